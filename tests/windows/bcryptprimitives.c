/* A stand-in bcryptprimitives.dll for Wine 8, which lacks it: Rust's
 * standard library (1.78 and later) takes its random numbers (HashMap
 * keys) from ProcessPrng, which Windows 10 and later export from this DLL.
 * The test copies this build beside the program under test; Windows
 * itself, and Wine 9 and later, have the real one. RtlGenRandom
 * (advapi32's SystemFunction036) is the older interface to the same
 * system generator. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n)) {
            return FALSE;
        }
        data += n;
        length -= n;
    }
    return TRUE;
}
