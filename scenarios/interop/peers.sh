#!/usr/bin/env bash
# Third-party SAML peers for the interop suite, from Debian's packages:
#   peers.sh install   installs them (as root or through sudo) without starting their services
#   peers.sh check     exits 0 when every peer is present, else lists what is missing
set -euo pipefail

packages=(xmlsec1 simplesamlphp php-cli php-xml php-mbstring libapache2-mod-shib apache2)
commands=(xmlsec1 php shibd apache2)

missing() {
  local out=()
  for c in "${commands[@]}"; do
    command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || out+=("$c")
  done
  [ -d /usr/share/simplesamlphp/www ] || out+=("simplesamlphp")
  php -r 'exit(extension_loaded("xml") ? 0 : 1);' 2>/dev/null || out+=("php-xml")
  echo "${out[@]:-}"
}

case "${1:-check}" in
  check)
    m=$(missing)
    if [ -n "$m" ]; then
      echo "interop peers missing: $m"
      echo "install them with: sudo scenarios/interop/peers.sh install"
      exit 1
    fi
    ;;
  install)
    [ -z "$(missing)" ] && exit 0
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    # Packaged services (apache2, shibd) must not start on install: they would
    # listen on every interface. The suite runs its own instances on 127.0.0.1.
    policy=/usr/sbin/policy-rc.d
    created=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
      $sudo chmod +x "$policy"
      created=1
    fi
    trap '[ -n "$created" ] && $sudo rm -f "$policy"' EXIT
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    m=$(missing)
    if [ -n "$m" ]; then echo "still missing after install: $m" >&2; exit 1; fi
    ;;
  *)
    echo "usage: $0 install|check" >&2; exit 2
    ;;
esac
