#!/usr/bin/env python3
"""Check Documentation/netlink/specs/forwarder.yaml against the code.

  scripts/ynl-check.py [--spec FILE] [--header FILE] [--genl FILE]
  scripts/ynl-check.py --family fwd_firewall [--self-test]

The spec (the kernel's netlink spec format, genetlink-legacy level) must say
what include/forwarder/netlink.h and kmod/netlink/family.c say:

- the family's name, version and multicast group, and every constant, as the
  header's #defines (named by c-family-name, c-version-name, c-define-name);
- every enum of "definitions" (looked up in include/forwarder/*.h), every
  attribute set (enum-name) and the operations (enum-name): each entry's C
  name (name-prefix + name, upper case, '-' as '_') and value, both ways:
  nothing in the spec missing from the header, nothing in the header (but
  the __*_MAX count and *_MAX) missing from the spec;
- kmod/netlink/family.c's genl_ops: one op per operation with "do" or "dump" and
  none for the others (events), .doit for "do", .dumpit for "dump", the
  permission flags as "flags", and the op's policy accepting exactly the
  attributes its requests list; the multicast group's name and permission.

Prints every mismatch and exits 1; exits 0 with one line when all agree.
--self-test makes each of a list of deliberate mismatches in a copy of the
files and fails unless the check catches every one.
Constants of "definitions" are named with the prefix fwd- (FWD_...).
--family NAME checks another family's three files instead (FAMILIES: the
firewall plugin's fwd_firewall), with its own deliberate mismatches.
"""
import argparse
import glob
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("ynl-check: needs PyYAML (apt-get install python3-yaml; scripts/deps.sh installs it)")

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
errors = []


def err(msg):
    errors.append(msg)


def c_name(*parts):
    return "".join(parts).upper().replace("-", "_")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def parse_defines(text):
    """#define NAME VALUE: strings unquoted, numbers as int, else the text."""
    out = {}
    for m in re.finditer(r"^#define[ \t]+(\w+)[ \t]+([^\n]+?)[ \t]*$", text, flags=re.M):
        v = m.group(2).strip()
        if re.fullmatch(r'"[^"]*"', v):
            out[m.group(1)] = v[1:-1]
        elif re.fullmatch(r"\d+", v):
            out[m.group(1)] = int(v)
        else:
            out[m.group(1)] = v
    return out


def parse_enums(text):
    """enum NAME { A, B = 3, ... }: {NAME: [(entry, value), ...]}."""
    out = {}
    for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\}", text, flags=re.S):
        entries, val = [], -1
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition("=")
            name, expr = name.strip(), expr.strip()
            if expr:
                try:
                    val = int(expr, 0)
                except ValueError:
                    names = dict(entries)
                    if expr not in names:
                        err("enum %s: cannot evaluate %s = %s" % (m.group(1), name, expr))
                        continue
                    val = names[expr]
            else:
                val += 1
            entries.append((name, val))
        out[m.group(1)] = entries
    return out


def compare_enum(what, spec_entries, c_enum, skip):
    """spec_entries: [(C name, value)]; c_enum: [(C name, value)] from the header."""
    c = {n: v for n, v in c_enum if n not in skip}
    s = dict(spec_entries)
    for n, v in spec_entries:
        if n not in c:
            err("%s: the spec's %s (%d) is not in the header" % (what, n, v))
        elif c[n] != v:
            err("%s: %s is %d in the spec, %d in the header" % (what, n, v, c[n]))
    for n, v in c.items():
        if n not in s:
            err("%s: the header's %s (%d) is not in the spec" % (what, n, v))


def spec_values(entries, prefix, what):
    """A definitions enum's or an attribute set's entries: [(C name, value)]."""
    out, val = [], -1
    for e in entries:
        if isinstance(e, str):
            e = {"name": e}
        val = e.get("value", val + 1)
        out.append((c_name(prefix, e["name"]), val))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        err("%s: duplicate names in the spec" % what)
    return out


def check_header(spec, header, other_headers):
    text = open(header).read()
    defines = parse_defines(text)
    enums = parse_enums(strip_comments(text))
    all_enums = dict(enums)
    for h in other_headers:
        for k, v in parse_enums(strip_comments(open(h).read())).items():
            all_enums.setdefault(k, v)

    def define(name, want, what):
        if name not in defines:
            err("%s: no #define %s in %s" % (what, name, os.path.relpath(header, TOP)))
        elif defines[name] != want:
            err("%s: %s is %r in the header, %r in the spec" % (what, name, defines[name], want))

    define(c_name(spec.get("c-family-name", "%s-genl-name" % spec["name"])), spec["name"],
           "family name")
    define(c_name(spec.get("c-version-name", "%s-genl-version" % spec["name"])),
           spec.get("version", 1), "family version")
    for g in spec.get("mcast-groups", {}).get("list", []):
        define(c_name(g.get("c-define-name", "%s-mcgrp-%s" % (spec["name"], g["name"]))),
               g["name"], "multicast group %s" % g["name"])

    for d in spec.get("definitions", []):
        what = "definition %s" % d["name"]
        if d["type"] == "const":
            define(c_name(d.get("name-prefix", "fwd-"), d["name"]), d["value"], what)
        elif d["type"] == "enum":
            ename = d.get("enum-name") or d["name"]
            if ename not in all_enums:
                err("%s: no enum %s in include/forwarder/" % (what, ename))
                continue
            c = all_enums[ename]
            skip = {n for n, _ in c if n.endswith("_MAX")}
            compare_enum("enum %s" % ename,
                         spec_values(d["entries"], d.get("name-prefix", ""), what), c, skip)

    sets = {s["name"]: s for s in spec["attribute-sets"]}
    for s in spec["attribute-sets"]:
        what = "attribute set %s" % s["name"]
        ename = s.get("enum-name")
        if ename not in enums:
            err("%s: no enum %s in the header" % (what, ename))
            continue
        cnt = c_name(s.get("attr-cnt-name", "__" + s["name-prefix"] + "max"))
        amax = c_name(s.get("attr-max-name", s["name-prefix"] + "max"))
        compare_enum("enum %s" % ename,
                     spec_values(s["attributes"], s["name-prefix"], what), enums[ename], {cnt})
        if defines.get(amax) != "(%s - 1)" % cnt:
            err("%s: the header should #define %s (%s - 1)" % (what, amax, cnt))
        for a in s["attributes"]:
            n = a.get("nested-attributes")
            if n and n not in sets:
                err("%s: %s nests the unknown set %s" % (what, a["name"], n))

    ops = spec["operations"]
    ename = ops.get("enum-name")
    if ename not in enums:
        err("operations: no enum %s in the header" % ename)
    else:
        compare_enum("enum %s" % ename, spec_values(ops["list"], ops["name-prefix"], "operations"),
                     enums[ename], {c_name("__", ops["name-prefix"], "max")})
    return enums


def parse_genl(path):
    """kmod/netlink/family.c: ops {cmd: {field: value}}, policies {name: {attr: type}}, mcast groups."""
    text = strip_comments(open(path).read())
    policies = {}
    for m in re.finditer(r"struct\s+nla_policy\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\};", text,
                         flags=re.S):
        policies[m.group(1)] = dict(re.findall(r"\[(\w+)\]\s*=\s*\{\s*\.type\s*=\s*(\w+)",
                                               m.group(2)))
    m = re.search(r"struct\s+genl_ops\s+\w+\s*\[\]\s*=\s*\{(.*?)\n\};", text, flags=re.S)
    ops = {}
    if not m:
        err("%s: no genl_ops array" % os.path.relpath(path, TOP))
    else:
        for body in re.findall(r"\{(.*?)\}", m.group(1), flags=re.S):
            fields = re.findall(r"\.(\w+)\s*=\s*([^,]+?)\s*,", body + ",")
            f = dict(fields)
            if len(f) != len(fields):
                err("family.c: an op sets a field twice: %s" % body.strip())
            if "cmd" not in f:
                err("%s: a genl op without .cmd" % os.path.relpath(path, TOP))
                continue
            if f["cmd"] in ops:
                err("family.c: two ops for %s" % f["cmd"])
            ops[f["cmd"]] = f
    m = re.search(r"struct\s+genl_multicast_group\s+\w+\s*\[\]\s*=\s*\{(.*?)\n\};", text,
                  flags=re.S)
    groups = []
    if m:
        for body in re.findall(r"\{(.*?)\}", m.group(1), flags=re.S):
            groups.append(dict(re.findall(r"\.(\w+)\s*=\s*([^,]+?)\s*,", body + ",")))
    return ops, policies, groups


PERMS = {"admin-perm": "GENL_ADMIN_PERM", "uns-admin-perm": "GENL_UNS_ADMIN_PERM"}
MCAST_PERMS = {"admin-perm": "GENL_MCAST_CAP_SYS_ADMIN",
               "uns-admin-perm": "GENL_MCAST_CAP_NET_ADMIN"}


def check_genl(spec, genl):
    ops, policies, groups = parse_genl(genl)
    spec_ops = spec["operations"]
    seen = set()
    for o in spec_ops["list"]:
        cmd = c_name(spec_ops["name-prefix"], o["name"])
        what = "operation %s (%s)" % (o["name"], cmd)
        handled = "do" in o or "dump" in o
        if not handled:
            if cmd in ops:
                err("%s: family.c has an op for it, the spec has neither do nor dump" % what)
            continue
        if cmd not in ops:
            err("%s: no op in family.c's genl_ops" % what)
            continue
        seen.add(cmd)
        op = ops[cmd]
        if ("do" in o) != ("doit" in op):
            err("%s: %s in the spec, %s in family.c" % (what, "do" if "do" in o else "no do",
                                                     ".doit" if "doit" in op else "no .doit"))
        if ("dump" in o) != ("dumpit" in op):
            err("%s: %s in the spec, %s in family.c" % (what, "dump" if "dump" in o else "no dump",
                                                     ".dumpit" if "dumpit" in op else "no .dumpit"))
        want = {PERMS[f] for f in o.get("flags", [])}
        have = {f.strip() for f in op.get("flags", "").split("|") if f.strip()}
        if want != have:
            err("%s: flags %s in the spec, %s in family.c" % (what, sorted(want) or "none",
                                                           sorted(have) or "none"))
        attrs = set()
        for kind in ("do", "dump"):
            attrs |= set(((o.get(kind) or {}).get("request") or {}).get("attributes", []))
        aset = next((s for s in spec["attribute-sets"] if s["name"] == o.get("attribute-set")),
                    None)
        if aset is None:
            err("%s: unknown attribute-set %r" % (what, o.get("attribute-set")))
            continue
        names = {a["name"] for a in aset["attributes"]}
        for a in sorted(attrs - names):
            err("%s: requests list %s, not in the attribute set %s" % (what, a, aset["name"]))
        pol = op.get("policy")
        if pol not in policies:
            err("%s: family.c's op has no policy of its own (%s)" % (what, pol))
            continue
        accepted = {k for k, t in policies[pol].items() if t != "NLA_REJECT"}
        want = {c_name(aset["name-prefix"], a) for a in attrs}
        for a in sorted(want - accepted):
            err("%s: the spec's requests take %s, %s does not accept it" % (what, a, pol))
        for a in sorted(accepted - want):
            err("%s: %s accepts %s, no request in the spec lists it" % (what, pol, a))
    for cmd in sorted(set(ops) - seen):
        if not any(c_name(spec_ops["name-prefix"], o["name"]) == cmd for o in spec_ops["list"]):
            err("family.c: op %s is not in the spec" % cmd)

    sgroups = spec.get("mcast-groups", {}).get("list", [])
    cgroups = {g.get("name"): g for g in groups}
    for g in sgroups:
        define = c_name(g.get("c-define-name", "%s-mcgrp-%s" % (spec["name"], g["name"])))
        if define not in cgroups:
            err("multicast group %s: family.c registers no group named %s" % (g["name"], define))
            continue
        want = {MCAST_PERMS[f] for f in g.get("flags", [])}
        have = {f.strip() for f in cgroups[define].get("flags", "").split("|") if f.strip()}
        if want != have:
            err("multicast group %s: flags %s in the spec, %s in family.c" % (
                g["name"], sorted(want) or "none", sorted(have) or "none"))
    if len(groups) != len(sgroups):
        err("multicast groups: %d in family.c, %d in the spec" % (len(groups), len(sgroups)))
    return ops


def check(spec_path, header, genl):
    """Every mismatch into errors; the spec and the genl ops checked."""
    spec = yaml.safe_load(open(spec_path))
    for key in ("name", "doc", "attribute-sets", "operations"):
        if key not in spec:
            err("spec: no %r" % key)
    if errors:
        return spec, {}
    others = sorted(set(glob.glob(os.path.join(TOP, "include/forwarder/*.h"))) -
                    {os.path.join(TOP, "include/forwarder/netlink.h"), header})
    check_header(spec, header, others)
    check_fwdctl(spec, os.path.join(TOP, "userspace/ctl/fwdctl.c"))
    return spec, check_genl(spec, genl)


def check_fwdctl(spec, path):
    """fwdctl names an attribute the kernel blames (extack) as the spec does."""
    if not os.path.exists(path):
        return
    if spec["name"] in FWDCTL_TABLES:
        return check_fwdctl_table(spec, path, *FWDCTL_TABLES[spec["name"]])
    text = open(path).read()
    m = re.search(r"attr_names\[FWD_A_MAX \+ 1\] = \{(.*?)\n\};", text, flags=re.S)
    if not m:
        err("fwdctl.c: no attr_names table")
        return
    main = next(s for s in spec["attribute-sets"] if s["name"] == "main")
    names = {a["name"] for a in main["attributes"]}
    for enum, name in re.findall(r"\[FWD_A_(\w+)\]\s*=\s*\"([^\"]*)\"", m.group(1)):
        want = enum.lower().replace("_", "-")
        if name != want or name not in names:
            err("fwdctl.c attr_names: FWD_A_%s is %r, the spec calls it %r" % (enum, name, want))


# Other families: their files, and fwdctl's table of their attributes' names.
FAMILIES = {
    "fwd_firewall": ("Documentation/netlink/specs/fwd_firewall.yaml",
                     "include/forwarder/firewall_netlink.h", "plugins/firewall/netlink.c"),
}
FWDCTL_TABLES = {
    # family: (fwdctl's array, the attributes' C prefix, the spec's attribute set)
    "fwd_firewall": ("fw_attr_names", "FWD_FW_A_", "rule"),
}


def check_fwdctl_table(spec, path, table, prefix, set_name):
    """check_fwdctl for another family: its own table in fwdctl.c."""
    text = open(path).read()
    m = re.search(r"%s\[%sMAX \+ 1\] = \{(.*?)\n\};" % (table, prefix), text, flags=re.S)
    if not m:
        err("fwdctl.c: no %s table" % table)
        return
    aset = next((s for s in spec["attribute-sets"] if s["name"] == set_name), None)
    names = {a["name"] for a in aset["attributes"]} if aset else set()
    for enum, name in re.findall(r"\[%s(\w+)\]\s*=\s*\"([^\"]*)\"" % prefix, m.group(1)):
        want = enum.lower().replace("_", "-")
        if name != want or name not in names:
            err("fwdctl.c %s: %s%s is %r, the spec calls it %r" % (table, prefix, enum, name, want))


# The deliberate mismatches of the other families' files.
FAMILY_MUTATIONS = {
    "fwd_firewall": [
        ("an attribute renamed in the spec", "spec", "name: src-prefix-len\n",
         "name: src-prefix-length\n"),
        ("an attribute added to the header", "header", "\tFWD_FW_A_HITS,",
         "\tFWD_FW_A_HITS,\n\tFWD_FW_A_NEW,"),
        ("an action renamed", "spec", "entries: [ accept, intercept, rate-limit ]",
         "entries: [ accept, intercept, police ]"),
        ("the rule limit", "header", "#define FWD_FW_RULES_MAX\t64", "#define FWD_FW_RULES_MAX\t65"),
        ("an op's permission", "genl", "fw_nl_rule_flush,\n\t\t.policy\t= fw_nl_noattr_policy,\n"
         "\t\t.maxattr = FWD_FW_A_MAX,\n\t\t.flags\t= GENL_UNS_ADMIN_PERM,",
         "fw_nl_rule_flush,\n\t\t.policy\t= fw_nl_noattr_policy,\n\t\t.maxattr = FWD_FW_A_MAX,"),
        ("a policy entry", "genl", "\t[FWD_FW_A_CLASS]\t= { .type = NLA_NUL_STRING", "\t[FWD_FW_A_HITS]\t= { .type = NLA_NUL_STRING"),
        ("a dump handler", "genl", "\t\t.dumpit\t= fw_nl_rule_dump,\n", "\t\t.doit\t= fw_nl_rule_dump,\n"),
        ("a request attribute", "spec", "            - dport\n            - class\n    -",
         "            - dport\n    -"),
    ],
}


# Deliberate mismatches the check must catch: (what, file, old text, new text).
MUTATIONS = [
    ("an attribute renamed in the spec", "spec", "name: tunable-min\n", "name: tunable-minimum\n"),
    ("an attribute added to the header", "header", "\tFWD_STATS_DROPPED,\n",
     "\tFWD_STATS_DROPPED,\n\tFWD_STATS_NEW,\n"),
    ("the version", "spec", "version: 1\n", "version: 2\n"),
    ("the multicast group's name", "header", '"events"', '"event"'),
    ("an enum entry", "spec", "entries: [ none, timeout, evicted, replaced, flush ]",
     "entries: [ none, timeout, evicted, flush ]"),
    ("an op's dump handler", "genl", "\t\t.dumpit\t= fwd_nl_tunable_dump,\n", ""),
    ("an op's permission", "genl",
     "fwd_nl_session_del,\n\t\t.policy\t= fwd_nl_session_policy,\n\t\t.maxattr = FWD_A_MAX,\n"
     "\t\t.flags\t= GENL_UNS_ADMIN_PERM,",
     "fwd_nl_session_del,\n\t\t.policy\t= fwd_nl_session_policy,\n\t\t.maxattr = FWD_A_MAX,\n"
     "\t\t.flags\t= GENL_ADMIN_PERM,"),
    ("a policy entry", "genl", "\t[FWD_A_SERVER_PORT]\t= { .type = NLA_BE16 },\n", ""),
    ("an op removed from family.c", "genl", "\t\t.cmd\t= FWD_CMD_SESSION_FLUSH,", "\t\t.cmd\t= FWD_CMD_UNSPEC,"),
    ("a request attribute", "spec", "attributes: [ tunable-name, tunable-value, tunable-text ]",
     "attributes: [ tunable-name, tunable-text ]"),
]


def self_test(args):
    """The check fails on each deliberate mismatch, and passes on the files as they are."""
    import tempfile
    paths = {"spec": args.spec, "header": args.header, "genl": args.genl}
    mutations = FAMILY_MUTATIONS.get(yaml.safe_load(open(args.spec)).get("name"), MUTATIONS)
    bad = []
    with tempfile.TemporaryDirectory() as d:
        for what, which, old, new in mutations:
            text = open(paths[which]).read()
            if old not in text:
                bad.append("%s: the text to change is not in %s" % (what, paths[which]))
                continue
            p = dict(paths)
            p[which] = os.path.join(d, os.path.basename(paths[which]))
            with open(p[which], "w") as f:
                f.write(text.replace(old, new, 1))
            del errors[:]
            check(p["spec"], p["header"], p["genl"])
            if not errors:
                bad.append("%s: not caught" % what)
            else:
                print("ynl-check: self-test: %s: caught (%s)" % (what, errors[0]))
    del errors[:]
    check(args.spec, args.header, args.genl)
    if errors:
        bad.append("the files as they are: %d mismatch(es)" % len(errors))
    for b in bad:
        print("ynl-check: self-test: %s" % b, file=sys.stderr)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default=os.path.join(TOP, "Documentation/netlink/specs/forwarder.yaml"))
    ap.add_argument("--header", default=os.path.join(TOP, "include/forwarder/netlink.h"))
    ap.add_argument("--genl", default=os.path.join(TOP, "kmod/netlink/family.c"))
    ap.add_argument("--self-test", action="store_true",
                    help="show that each of a list of deliberate mismatches fails the check")
    ap.add_argument("--family", choices=sorted(FAMILIES),
                    help="check this family's spec, header and genl ops instead")
    args = ap.parse_args()
    if args.family:
        args.spec, args.header, args.genl = (os.path.join(TOP, f) for f in FAMILIES[args.family])
    if args.self_test:
        return self_test(args)
    spec, ops = check(args.spec, args.header, args.genl)
    if not errors:
        print("ynl-check: %s agrees with %s and %s: %d operations (%d ops), %d attribute sets, "
              "%d multicast group(s)" % (
                  os.path.relpath(args.spec, TOP), os.path.relpath(args.header, TOP),
                  os.path.relpath(args.genl, TOP), len(spec["operations"]["list"]), len(ops),
                  len(spec["attribute-sets"]), len(spec.get("mcast-groups", {}).get("list", []))))
        return 0
    return report(args)


def report(args):
    for e in errors:
        print("ynl-check: %s: %s" % (os.path.relpath(args.spec, TOP), e), file=sys.stderr)
    print("ynl-check: %d mismatch(es) between the spec and the code" % len(errors), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
