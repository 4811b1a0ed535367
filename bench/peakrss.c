/* peakrss CMD ARGS...: run CMD, then print its peak RSS (ru_maxrss of the
 * child, KiB) on stderr as "RESULT peak_rss_kib=N status=S". */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: peakrss CMD [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("peakrss: exec");
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) return 2;
    fprintf(stderr, "RESULT peak_rss_kib=%ld status=%d\n", ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
