# SPDX-License-Identifier: GPL-2.0-only
# forwarder: out-of-tree kernel module, plugins and userspace tools.
#
#   make                 module (against KDIR) and userspace programs
#   make demo            the main job, in a VM (installs its own dependencies)
#   make check           every test: style, sparse, KUnit and netns on the stock and debug kernels
#   make style | sparse  checkpatch / sparse on kmod/
#   make bench           benchmarks in one VM boot -> bench/results/latest.md (not part of check)
#   make KDIR=/path      build against another kernel tree

# The running kernel's build dir when it has one, else the installed Debian headers.
KVER ?= $(shell uname -r)
DEBIAN_KVER := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		 sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
KDIR ?= $(if $(wildcard /lib/modules/$(KVER)/build/Makefile),/lib/modules/$(KVER)/build,/lib/modules/$(DEBIAN_KVER)/build)

KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR)

.PHONY: all module userspace clean style sparse check demo deps install bench

all: module userspace

module:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at '$(KDIR)': apt-get install linux-headers-amd64, or set KDIR" >&2; exit 1; }
	$(KMAKE) modules

userspace:
	$(MAKE) -C userspace

clean:
	-test -f $(KDIR)/Makefile && $(KMAKE) clean
	$(MAKE) -C userspace clean
	rm -rf tests/out

style:
	scripts/style.sh

sparse:
	scripts/sparse.sh $(KDIR)

deps:
	scripts/deps.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	bench/run.sh
