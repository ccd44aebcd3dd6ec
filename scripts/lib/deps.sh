# shellcheck shell=bash
# scripts/deps.list, read from bash: the one list of what kubelab needs from Debian (command -> package).
#   deps_rows [GROUP...]   "command package group flags" for each line (of those groups; default every line)
#   deps_have COMMAND      is it there? (a name in PATH, or an absolute path that exists)
#   need COMMAND...        fail (exit 1) naming the package scripts/install-deps installs for each missing one
# Sourced by scripts/install-deps, scripts/lab and scripts/images/*. The tests read the same file
# (test/support/deps.ts).

DEPS_LIST=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deps.list

deps_rows() {
  local cmd pkg group flags g want
  while read -r cmd pkg group flags; do
    [[ -z $cmd || $cmd == \#* ]] && continue
    if (($#)); then
      want=0
      for g in "$@"; do [[ $g == "$group" ]] && want=1; done
      ((want)) || continue
    fi
    printf '%s %s %s %s\n' "$cmd" "$pkg" "$group" "$flags"
  done <"$DEPS_LIST"
}

deps_have() {
  if [[ $1 == /* ]]; then [[ -e $1 ]]; else command -v "$1" >/dev/null 2>&1; fi
}

# deps_package COMMAND: the package that provides it, from the list ('' when not listed).
deps_package() {
  local cmd pkg _
  while read -r cmd pkg _; do [[ $cmd == "$1" ]] && { echo "$pkg"; return 0; }; done <"$DEPS_LIST"
  return 1
}

need() {
  local c pkg
  for c in "$@"; do
    deps_have "$c" && continue
    if pkg=$(deps_package "$c"); then
      echo "$c is not installed: scripts/install-deps installs package $pkg" >&2
    else
      echo "$c is not installed, and scripts/deps.list does not name it: add it there" >&2
    fi
    exit 1
  done
}
