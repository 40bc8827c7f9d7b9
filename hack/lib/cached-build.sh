# Sourced by hack/build-*.sh: a build directory addressed by the hash of its inputs,
# $CACHE/<kind>/<hash>, built once and reused after.
#
# The sourcing script defines `log`, `die` and `usable DIR` (true when DIR holds a complete,
# working build) and sets CACHE, then:
#
#   cached_build_begin <kind> "$OUT"   # takes <kind>'s build lock until the script exits; when
#                                      # $OUT is usable, prints it and exits 0; else removes it
#   ... build into "$OUT" ...
#   cached_build_done "$OUT"           # marks it complete (.done), checks `usable`, prints it
#
# `.done`, written last, is what marks a build complete: an interrupted build is redone.

cached_build_begin() {
  local kind="$1" out="$2"
  mkdir -p "$CACHE/$kind"
  exec 9>"$CACHE/$kind/.build.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if usable "$out"; then
    log "reusing $out"
    echo "$out"
    exit 0
  fi
  rm -rf "$out"
}

cached_build_done() {
  local out="$1"
  touch "$out/.done"
  usable "$out" || die "the build in $out does not work (see its contents)"
  log "installed in $out"
  echo "$out"
}
