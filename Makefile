# ultrastream for C and C++ users: build, install, examples.
#
#   make                               # release build: shared library with soname, static library
#   make install PREFIX=/usr/local     # (DESTDIR=... for staged installs)
#   make uninstall PREFIX=/usr/local
#   make examples                      # C and C++ examples against target/debug
#
# Installs
#   $(LIBDIR)/libultrastream.so.$(VERSION)   soname libultrastream.so.$(MAJOR)
#   $(LIBDIR)/libultrastream.so.$(MAJOR) -> libultrastream.so.$(VERSION)
#   $(LIBDIR)/libultrastream.so          -> libultrastream.so.$(MAJOR)
#   $(LIBDIR)/libultrastream.a
#   $(INCLUDEDIR)/ultrastream.h, ultrastream.hpp
#   $(LIBDIR)/pkgconfig/ultrastream.pc
#   $(LIBDIR)/cmake/ultrastream/ultrastreamConfig.cmake (+ ConfigVersion)
#
# Then:  cc app.c $(pkg-config --cflags --libs ultrastream)
# (with PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig for a prefix pkg-config does
# not search, and LD_LIBRARY_PATH or -Wl,-rpath,$(PREFIX)/lib, or ldconfig,
# for a library folder the dynamic loader does not search).

PREFIX       ?= /usr/local
DESTDIR      ?=
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/ultrastream
CARGO        ?= cargo
INSTALL      ?= install

ROOT       := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(ROOT)/target)
RELEASE    := $(TARGET_DIR)/release

VERSION  := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' $(ROOT)/Cargo.toml | head -n 1)
MAJOR    := $(word 1,$(subst ., ,$(VERSION)))
MINOR    := $(word 2,$(subst ., ,$(VERSION)))
SONAME   := libultrastream.so.$(MAJOR)
REALNAME := libultrastream.so.$(VERSION)

# What the static library needs from the system: the output of
#   cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
# (tests/bindings.rs links a program statically with it, so a missing one fails a test).
LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
CMAKE_LIBS_PRIVATE := $(subst $(eval) ,;,$(patsubst -l%,%,$(LIBS_PRIVATE)))

# pkg-config paths relative to ${prefix} when they are below it.
PC_LIBDIR     := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(1)|g' -e 's|@INCLUDEDIR@|$(2)|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
	-e 's|@SONAME@|$(SONAME)|g' -e 's|@REALNAME@|$(REALNAME)|g' \
	-e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' -e 's|@CMAKE_LIBS_PRIVATE@|$(CMAKE_LIBS_PRIVATE)|g'

.PHONY: all release install uninstall examples clean-examples help

all: release

# One rustc invocation builds the cdylib (linked with the soname) and the
# staticlib; the link argument only applies to the shared library.
release:
	cd $(ROOT) && $(CARGO) rustc --release --lib -- -C link-arg=-Wl,-soname,$(SONAME)

install: release
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 755 $(RELEASE)/libultrastream.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libultrastream.so
	$(INSTALL) -m 644 $(RELEASE)/libultrastream.a $(DESTDIR)$(LIBDIR)/libultrastream.a
	$(INSTALL) -m 644 $(ROOT)/include/ultrastream.h $(ROOT)/bindings/cpp/ultrastream.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(call SUBST,$(PC_LIBDIR),$(PC_INCLUDEDIR)) $(ROOT)/scripts/ultrastream.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/ultrastream.pc
	$(call SUBST,$(LIBDIR),$(INCLUDEDIR)) $(ROOT)/scripts/cmake/ultrastreamConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/ultrastreamConfig.cmake
	$(call SUBST,$(LIBDIR),$(INCLUDEDIR)) $(ROOT)/scripts/cmake/ultrastreamConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/ultrastreamConfigVersion.cmake
	@echo "installed libultrastream $(VERSION) under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libultrastream.so
	rm -f $(DESTDIR)$(LIBDIR)/libultrastream.a
	rm -f $(DESTDIR)$(INCLUDEDIR)/ultrastream.h $(DESTDIR)$(INCLUDEDIR)/ultrastream.hpp
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/ultrastream.pc
	rm -f $(DESTDIR)$(CMAKEDIR)/ultrastreamConfig.cmake $(DESTDIR)$(CMAKEDIR)/ultrastreamConfigVersion.cmake
	-rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null

examples:
	$(MAKE) -C $(ROOT)/examples/c
	$(MAKE) -C $(ROOT)/examples/cpp

clean-examples:
	$(MAKE) -C $(ROOT)/examples/c clean
	$(MAKE) -C $(ROOT)/examples/cpp clean

help:
	@sed -n '2,/^$$/p' $(lastword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'
