# SPDX-License-Identifier: GPL-2.0-only
# forwarder: out-of-tree kernel module, plugins and userspace tools.
#
#   make                 module (against KDIR) and userspace programs
#   make demo            the main job, in a VM (installs its own dependencies)
#   make check           every test: style, sparse, KUnit and netns on the stock and debug kernels
#   make style | sparse  checkpatch / sparse on kmod/
#   make bench           benchmarks in one VM boot -> bench/results/latest.md (not part of check)
#   make KDIR=/path      build against another kernel tree
#   make install         modules to /lib/modules/KVER/updates (depmod), programs to
#                        /usr/sbin, manual pages; honours DESTDIR, PREFIX, KDIR
#   make dkms-install    the module sources to /usr/src/forwarder-VERSION, dkms add/build/install
#   make deb             forwarder-dkms and forwarder-tools packages (dpkg-buildpackage)

# The running kernel's build dir when it has one, else the installed Debian headers.
KVER ?= $(shell uname -r)
DEBIAN_KVER := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		 sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
KDIR ?= $(if $(wildcard /lib/modules/$(KVER)/build/Makefile),/lib/modules/$(KVER)/build,/lib/modules/$(DEBIAN_KVER)/build)

KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR)
VERSION := $(shell cat $(CURDIR)/VERSION)

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/forwarder
INSTALL ?= install
# The release of the tree the module is built against (not the running kernel's).
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Distribution headers have no signing key: sign only when the tree has one.
SIGN_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="*\([^"]*\)"*/\1/p' $(KDIR)/include/config/auto.conf 2>/dev/null)
NO_SIGN = $(if $(wildcard $(KDIR)/$(SIGN_KEY)),,CONFIG_MODULE_SIG_ALL=)

.PHONY: all module userspace clean module-clean style sparse check stress demo deps install \
	install-module install-userspace uninstall uninstall-module uninstall-userspace bench \
	dkms-src dkms-install deb

all: module userspace

module:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at '$(KDIR)': apt-get install linux-headers-amd64, or set KDIR" >&2; exit 1; }
	$(KMAKE) modules

userspace:
	$(MAKE) -C userspace

install: install-module install-userspace

# kbuild's modules_install puts every module (core and plugins) in updates/,
# which depmod ranks above the kernel's own directories.
install-module: module
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates $(NO_SIGN) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

install-userspace: userspace
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0755 userspace/ctl/fwdctl userspace/listener/fwd-listener $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 userspace/ctl/fwdctl.8 userspace/listener/fwd-listener.8 \
		$(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 userspace/listener/listener.conf.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/|$(SBINDIR)/|g' userspace/listener/fwd-listener.service \
		> $(DESTDIR)$(UNITDIR)/fwd-listener.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/fwd-listener.service
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0644 userspace/listener/listener.conf.example proc_api.md $(DESTDIR)$(DOCDIR)/

# What install put in place, and nothing else (the configuration in /etc stays).
uninstall: uninstall-module uninstall-userspace

uninstall-module:
	rm -f $(DESTDIR)/lib/modules/$(KREL)/updates/kmod/forwarder.ko \
		$(addprefix $(DESTDIR)/lib/modules/$(KREL)/updates/plugins/, \
			dfi/fwd_dfi.ko firewall/fwd_firewall.ko synretx/fwd_synretx.ko)
	-rmdir -p $(DESTDIR)/lib/modules/$(KREL)/updates/plugins/dfi \
		$(DESTDIR)/lib/modules/$(KREL)/updates/plugins/firewall \
		$(DESTDIR)/lib/modules/$(KREL)/updates/plugins/synretx 2>/dev/null
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

uninstall-userspace:
	rm -f $(DESTDIR)$(SBINDIR)/fwdctl $(DESTDIR)$(SBINDIR)/fwd-listener \
		$(DESTDIR)$(MANDIR)/man8/fwdctl.8 $(DESTDIR)$(MANDIR)/man8/fwd-listener.8 \
		$(DESTDIR)$(MANDIR)/man5/listener.conf.5 $(DESTDIR)$(UNITDIR)/fwd-listener.service \
		$(DESTDIR)$(DOCDIR)/listener.conf.example $(DESTDIR)$(DOCDIR)/proc_api.md
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

# What DKMS builds: the top-level Kbuild, VERSION and the kernel sources, no
# tests, none of modpost's generated *.mod.c.
DKMS_SRC = $(DESTDIR)/usr/src/forwarder-$(VERSION)
dkms-src:
	$(INSTALL) -d $(DKMS_SRC)
	$(INSTALL) -m 0644 Kbuild Makefile VERSION $(DKMS_SRC)/
	find kmod plugins include \( -name '*.[ch]' ! -name '*.mod.c' \) -o -name Kbuild -o -name Kconfig | \
		while read -r f; do $(INSTALL) -D -m 0644 "$$f" "$(DKMS_SRC)/$$f" || exit 1; done

dkms-install: dkms-src
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	dkms add forwarder/$(VERSION)
	dkms install forwarder/$(VERSION)

# Both packages, in a copy of the tree (dpkg-buildpackage writes to the parent).
deb:
	scripts/deb.sh

clean: module-clean
	$(MAKE) -C userspace clean
	rm -rf tests/out

module-clean:
	-test -f $(KDIR)/Makefile && $(KMAKE) clean

style:
	scripts/style.sh

sparse:
	scripts/sparse.sh $(KDIR)

deps:
	scripts/deps.sh

check:
	scripts/check.sh

# The hardening tests at length on the debug kernel; writes RELIABILITY.md.
stress:
	scripts/stress.sh

demo:
	scripts/demo.sh

bench:
	bench/run.sh
