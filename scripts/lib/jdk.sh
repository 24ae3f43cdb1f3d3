# Finds a JDK 21 or newer. Source this file, then: JAVA_HOME="$(dw_find_jdk)" || ...
# Order: $DW_JAVA_HOME, $JAVA_HOME, the newest JDK under /usr/lib/jvm (and /opt/java, /usr/java),
# then the java on PATH. A JDK means bin/java and bin/javac; JREs are skipped.

DW_MIN_JAVA=21

# The major version of the JDK at $1, or nothing.
dw_java_major() {
  local home="$1" v=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" | head -n1)
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  fi
  [ -n "$v" ] || return 1
  case "$v" in
    1.*) v="${v#1.}" ;;
  esac
  echo "${v%%[.+-]*}"
}

dw_find_jdk() {
  local c m best="" bestm=0
  for c in "${DW_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
    [ -n "$c" ] || continue
    m=$(dw_java_major "$c") || continue
    if [ "$m" -ge "$DW_MIN_JAVA" ]; then echo "$c"; return 0; fi
  done
  for c in /usr/lib/jvm/* /opt/java/* /usr/java/*; do
    [ -d "$c" ] && [ ! -L "$c" ] || continue
    m=$(dw_java_major "$c") || continue
    if [ "$m" -ge "$DW_MIN_JAVA" ] && [ "$m" -gt "$bestm" ]; then best="$c"; bestm="$m"; fi
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  if command -v javac >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    m=$(dw_java_major "$c") && [ "$m" -ge "$DW_MIN_JAVA" ] && { echo "$c"; return 0; }
  fi
  return 1
}

dw_no_jdk_message() {
  echo "DataWarehouse needs a JDK $DW_MIN_JAVA or newer, and none was found (checked \$JAVA_HOME, /usr/lib/jvm, the java on PATH)." \
    "Install one (Debian/Ubuntu: apt-get install openjdk-21-jdk, or Eclipse Temurin 21+) and set JAVA_HOME to it." >&2
}
