# ultrastream for C and C++ users: build, install, examples.
#
#   make                               # release build: shared library with soname, static library, programs
#   make install PREFIX=/usr/local     # (DESTDIR=... for staged installs)
#   make uninstall PREFIX=/usr/local
#   make examples                      # C and C++ examples against target/debug
#   make docs                          # API references: C (doxygen), Rust (cargo doc), Python (pdoc)
#   make pdoc-venv                     # only the venv with pdoc (from PyPI) that `make docs` and the tests use
#
# Installs
#   $(BINDIR)/ultrastream, $(BINDIR)/ultrastream-sim
#   $(LIBDIR)/libultrastream.so.$(VERSION)   soname libultrastream.so.$(MAJOR)
#   $(LIBDIR)/libultrastream.so.$(MAJOR) -> libultrastream.so.$(VERSION)
#   $(LIBDIR)/libultrastream.so          -> libultrastream.so.$(MAJOR)
#   $(LIBDIR)/libultrastream.a
#   $(INCLUDEDIR)/ultrastream.h, ultrastream.hpp
#   $(LIBDIR)/pkgconfig/ultrastream.pc                     (relocatable: ${pcfiledir})
#   $(LIBDIR)/cmake/ultrastream/ultrastreamConfig.cmake (+ ConfigVersion; relocatable)
#
# The pkg-config and CMake files locate the prefix from their own folder, so
# the installed tree can be moved (or packaged with DESTDIR) as a whole.
#
# Then:  cc app.c $(pkg-config --cflags --libs ultrastream)
# (with PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig for a prefix pkg-config does
# not search, and LD_LIBRARY_PATH or -Wl,-rpath,$(PREFIX)/lib, or ldconfig,
# for a library folder the dynamic loader does not search).

PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
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
# less -lgcc_s (the unwinder), which the C and C++ compiler drivers add
# themselves: libgcc_s when linking dynamically, libgcc_eh with -static, where
# an explicit -lgcc_s fails (there is no libgcc_s.a). tests/it/bindings.rs links
# programs with the archive both ways, so a missing library fails a test.
LIBS_PRIVATE := -lutil -lrt -lpthread -lm -ldl -lc
CMAKE_LIBS_PRIVATE := $(subst $(eval) ,;,$(patsubst -l%,%,$(LIBS_PRIVATE)))

# Relocatable: the prefix relative to the pkg-config and CMake folders, the
# other paths relative to the prefix when they are below it.
relative_to = $(shell realpath -m --relative-to='$(1)' '$(2)')
PC_PREFIX     := $${pcfiledir}/$(call relative_to,$(PKGCONFIGDIR),$(PREFIX))
PC_LIBDIR     := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
CMAKE_PREFIX     := $${CMAKE_CURRENT_LIST_DIR}/$(call relative_to,$(CMAKEDIR),$(PREFIX))
CMAKE_LIBDIR     := $(patsubst $(PREFIX)/%,$${_ultrastream_prefix}/%,$(LIBDIR))
CMAKE_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${_ultrastream_prefix}/%,$(INCLUDEDIR))

SUBST = sed -e 's|@PREFIX@|$(1)|g' -e 's|@LIBDIR@|$(2)|g' -e 's|@INCLUDEDIR@|$(3)|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
	-e 's|@SONAME@|$(SONAME)|g' -e 's|@REALNAME@|$(REALNAME)|g' \
	-e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|g' -e 's|@CMAKE_LIBS_PRIVATE@|$(CMAKE_LIBS_PRIVATE)|g'

.PHONY: all release install install-metadata uninstall examples clean-examples docs doc-c doc-rust doc-python pdoc-venv help

all: release

# capi/build.rs gives release builds the soname and the $(SONAME) link beside the
# library (so programs linked in-tree against target/release load); the link
# is made here too in case the build folder was copied without it.
release:
	cd $(ROOT) && $(CARGO) build --release --lib --bins
	ln -sf libultrastream.so $(RELEASE)/$(SONAME)

install: release install-metadata
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 755 $(RELEASE)/ultrastream $(RELEASE)/ultrastream-sim $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(RELEASE)/libultrastream.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libultrastream.so
	$(INSTALL) -m 644 $(RELEASE)/libultrastream.a $(DESTDIR)$(LIBDIR)/libultrastream.a
	@echo "installed libultrastream $(VERSION) under $(DESTDIR)$(PREFIX)"

# The headers, the pkg-config file and the CMake package (no build):
# part of install; tests/it/version.rs reads the versions they carry.
install-metadata:
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 644 $(ROOT)/include/ultrastream.h $(ROOT)/bindings/cpp/ultrastream.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(call SUBST,$(PC_PREFIX),$(PC_LIBDIR),$(PC_INCLUDEDIR)) $(ROOT)/scripts/ultrastream.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/ultrastream.pc
	$(call SUBST,$(CMAKE_PREFIX),$(CMAKE_LIBDIR),$(CMAKE_INCLUDEDIR)) $(ROOT)/scripts/cmake/ultrastreamConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/ultrastreamConfig.cmake
	$(call SUBST,$(CMAKE_PREFIX),$(CMAKE_LIBDIR),$(CMAKE_INCLUDEDIR)) $(ROOT)/scripts/cmake/ultrastreamConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/ultrastreamConfigVersion.cmake

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ultrastream $(DESTDIR)$(BINDIR)/ultrastream-sim
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

# API references (docs/reference.md). Warnings fail the build.
PDOC_VERSION ?= 16.0.0
PDOC_VENV    ?= $(TARGET_DIR)/pdoc-venv

docs: doc-c doc-rust doc-python

doc-c:
	cd $(ROOT) && doxygen docs/Doxyfile

doc-rust:
	cd $(ROOT) && RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps

$(PDOC_VENV)/bin/pdoc:
	python3 -m venv $(PDOC_VENV)
	$(PDOC_VENV)/bin/pip install --quiet pdoc==$(PDOC_VERSION)

pdoc-venv: $(PDOC_VENV)/bin/pdoc

# pdoc imports the package, which loads the library: build it first.
doc-python: $(PDOC_VENV)/bin/pdoc
	cd $(ROOT) && $(CARGO) build --lib
	cd $(ROOT) && ULTRASTREAM_LIB=$(TARGET_DIR)/debug/libultrastream.so PYTHONPATH=bindings/python/src \
	    $(PDOC_VENV)/bin/pdoc --docformat restructuredtext -o $(TARGET_DIR)/doc-python ultrastream

help:
	@sed -n '2,/^$$/p' $(lastword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'
