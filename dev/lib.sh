# Shared by dev/test, the porthole launcher's demo and the compose proof: installs what Porthole's
# integration tests and demo need on a Debian/Ubuntu machine, starts the Docker engine and builds the
# local images (there is no image registry on these machines, so nothing is pulled).
#
# Source it, then call the functions. Every function is idempotent and quick when already done.

PORTHOLE_ROOT=${PORTHOLE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PORTHOLE_KAFKA_VERSION=${PORTHOLE_KAFKA_VERSION:-3.9.1}
PORTHOLE_BUSYBOX_IMAGE=porthole/busybox:test
PORTHOLE_JRE_IMAGE=porthole/debian-jre:17
PORTHOLE_KAFKA_IMAGE=apache/kafka:${PORTHOLE_KAFKA_VERSION}
PORTHOLE_RUNTIME_IMAGE=porthole/runtime:17
PORTHOLE_APP_IMAGE=${PORTHOLE_APP_IMAGE:-porthole/porthole:0.1.0}
PORTHOLE_DEB_PACKAGES=(docker.io busybox-static debootstrap strace libpcap0.8 iproute2 tcpdump iputils-ping gcc libc6-dev chromium chromium-driver fonts-dejavu-core)
PORTHOLE_WORK_DIR=${PORTHOLE_WORK_DIR:-/var/tmp/porthole-images}

porthole_log() { printf '[porthole] %s\n' "$*" >&2; }
porthole_die() { printf '[porthole] error: %s\n' "$*" >&2; exit 1; }

# A random token for a throwaway deployment, and a free TCP port on loopback.
porthole_secret() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
porthole_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# porthole_command_keys DIR [OWNER]: the Ed25519 key pair of remediation commands, made as
# .env.example tells operators: DIR/command-signing.pem (private key with its public key appended,
# mode 600, owned by OWNER when given) and DIR/command-verify.pem (the public key, for collectors).
porthole_command_keys() {
  local dir=$1 owner=${2:-}
  mkdir -p "$dir"
  openssl genpkey -algorithm ed25519 -out "$dir/command-signing.pem" 2>/dev/null \
    || porthole_die "openssl cannot make an Ed25519 key"
  openssl pkey -in "$dir/command-signing.pem" -pubout -out "$dir/command-verify.pem" \
    || porthole_die "openssl cannot write the public key of $dir/command-signing.pem"
  cat "$dir/command-verify.pem" >>"$dir/command-signing.pem"
  chmod 600 "$dir/command-signing.pem"; chmod 644 "$dir/command-verify.pem"
  [ -z "$owner" ] || chown "$owner" "$dir/command-signing.pem"
}

# Which of the needed Debian packages are not installed.
porthole_missing_packages() {
  local missing=() p
  for p in "${PORTHOLE_DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]}"
}

porthole_install_packages() {
  local missing
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    porthole_die "this is not a Debian/Ubuntu machine: install yourself a Docker engine, busybox (static), debootstrap, strace, libpcap, iproute2, tcpdump and ping, then run again"
  fi
  missing=$(porthole_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    porthole_die "missing Debian packages: $missing; run as root, or: sudo apt-get install -y $missing"
  fi
  porthole_log "installing $missing"
  apt-get update -qq >/dev/null || porthole_die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || porthole_die "apt-get install $missing failed"
}

# Starts dockerd (with --live-restore, so that running containers survive a daemon restart) unless
# the engine already answers. There is no systemd on these machines.
porthole_start_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || porthole_die "no dockerd: install docker.io"
  [ "$(id -u)" = 0 ] || porthole_die "the Docker engine is not running and only root can start it here: sudo dockerd --live-restore &"
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    porthole_log "removing stale /var/run/docker.pid"
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    porthole_log "starting dockerd --live-restore (log: /var/log/dockerd.log)"
    setsid nohup dockerd --live-restore >>/var/log/dockerd.log 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -n 20 /var/log/dockerd.log >&2 || true
  porthole_die "the Docker engine did not answer within 30 s (see /var/log/dockerd.log)"
}

porthole_image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The scenario image: busybox with every applet linked (sh, ping, wget, nc, httpd, dd, ...).
porthole_build_busybox_image() {
  porthole_image_exists "$PORTHOLE_BUSYBOX_IMAGE" && return 0
  porthole_log "building $PORTHOLE_BUSYBOX_IMAGE"
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/www"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo '<html>porthole scenario page</html>' >"$root/www/index.html"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$PORTHOLE_BUSYBOX_IMAGE" >/dev/null
  rm -rf "$root"
}

porthole_debian_mirror() {
  local m
  m=$(grep -hoE '^URIs: *http[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | sed 's/^URIs: *//')
  [ -n "$m" ] || m=$(grep -hoE '^deb +http[^ ]+' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 | awk '{print $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

# A Debian bookworm root file system with a Java 17 runtime, imported as an image (no registry).
porthole_build_jre_image() {
  porthole_image_exists "$PORTHOLE_JRE_IMAGE" && return 0
  porthole_log "building $PORTHOLE_JRE_IMAGE with debootstrap (about a minute)"
  local root
  root=$(mktemp -d /var/tmp/porthole-rootfs.XXXXXX)
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates-java \
    bookworm "$root" "$(porthole_debian_mirror)" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log" >&2; rm -rf "$root"; porthole_die "debootstrap failed (log above)"; }
  tar -C "$root" \
    --exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/* --exclude=./usr/share/doc/* \
    --exclude=./usr/share/man/* --exclude=./usr/share/locale/* --exclude=./proc/* --exclude=./sys/* \
    --exclude=./dev/* -c . \
    | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' -c 'CMD ["/bin/bash"]' \
        - "$PORTHOLE_JRE_IMAGE" >/dev/null
  rm -rf "$root" "$root.log"
}

# A Kafka broker image honouring the contract of Testcontainers' KafkaContainer (see
# dev/images/kafka/run): the broker jars come from Maven Central through dev/images/kafka/pom.xml.
porthole_build_kafka_image() {
  porthole_image_exists "$PORTHOLE_KAFKA_IMAGE" && return 0
  porthole_build_jre_image
  porthole_log "building $PORTHOLE_KAFKA_IMAGE"
  local ctx="$PORTHOLE_WORK_DIR/kafka"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$PORTHOLE_ROOT"/dev/images/kafka/{Dockerfile,run} "$ctx/"
  mvn -B -q -f "$PORTHOLE_ROOT/dev/images/kafka/pom.xml" -Dkafka.version="$PORTHOLE_KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$ctx/libs" -DincludeScope=runtime \
    || porthole_die "could not fetch the Kafka broker jars from Maven Central"
  DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$PORTHOLE_JRE_IMAGE" -t "$PORTHOLE_KAFKA_IMAGE" "$ctx" >/dev/null \
    || porthole_die "docker build of $PORTHOLE_KAFKA_IMAGE failed"
}

# The services' base (deploy/Dockerfile): a Java 17 runtime plus the host tools the collector runs
# (strace; ip from iproute2; nsenter and setpriv from util-linux; libpcap; ping) and curl for the
# controller's health check. Made with debootstrap on the host like the JRE base rather than with
# apt-get inside a `docker build`: the host is known to reach the Debian archive (packages are
# installed from it above), while a build container's egress through the bridge may be blocked or
# need a proxy only the host knows.
porthole_build_runtime_image() {
  porthole_image_exists "$PORTHOLE_RUNTIME_IMAGE" && return 0
  porthole_log "building $PORTHOLE_RUNTIME_IMAGE with debootstrap (about a minute)"
  local root
  root=$(mktemp -d /var/tmp/porthole-rootfs.XXXXXX)
  debootstrap --variant=minbase \
    --include=openjdk-17-jre-headless,ca-certificates-java,ca-certificates,strace,iproute2,util-linux,libpcap0.8,iputils-ping,curl,procps \
    bookworm "$root" "$(porthole_debian_mirror)" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log" >&2; rm -rf "$root"; porthole_die "debootstrap failed (log above)"; }
  tar -C "$root" \
    --exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/* --exclude=./usr/share/doc/* \
    --exclude=./usr/share/man/* --exclude=./usr/share/locale/* --exclude=./proc/* --exclude=./sys/* \
    --exclude=./dev/* -c . \
    | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' -c 'CMD ["/bin/bash"]' \
        - "$PORTHOLE_RUNTIME_IMAGE" >/dev/null
  rm -rf "$root" "$root.log"
}

# The services' image from deploy/Dockerfile and app/target/porthole.jar (build the jar first). The
# image carries the jar's SHA-256 as a label: it is rebuilt only when the jar changed.
porthole_build_porthole_image() {
  local jar="$PORTHOLE_ROOT/app/target/porthole.jar" sum
  [ -f "$jar" ] || porthole_die "no $jar: build it first (mvn -B -DskipTests package -pl app -am)"
  sum=$(sha256sum "$jar" | cut -d' ' -f1)
  [ "$(docker image inspect -f '{{index .Config.Labels "io.porthole.jar.sha256"}}' "$PORTHOLE_APP_IMAGE" 2>/dev/null)" = "$sum" ] && return 0
  porthole_build_runtime_image
  porthole_log "building $PORTHOLE_APP_IMAGE"
  DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$PORTHOLE_RUNTIME_IMAGE" --label "io.porthole.jar.sha256=$sum" \
    -f "$PORTHOLE_ROOT/deploy/Dockerfile" -t "$PORTHOLE_APP_IMAGE" "$PORTHOLE_ROOT" >/dev/null \
    || porthole_die "docker build of $PORTHOLE_APP_IMAGE failed"
}

# The deployment proofs' own compose projects. A proof stopped before its teardown (the machine or
# session stopped, kill -9) leaves its containers, and their restart policy (unless-stopped) brings
# them back with the engine: a leftover collector then holds port 9464 on the host network and
# later tests fail. A running proof holds its lock (porthole_proof_lock); what is left of a project
# whose lock is free is removed, by the project's label only.
PORTHOLE_PROOF_PROJECTS=(porthole-proof porthole-proof-second porthole-cluster-proof)
porthole_proof_lock_file() { printf '%s/porthole-%s.lock' "${TMPDIR:-/tmp}" "${1%-second}"; }

# porthole_proof_lock PROJECT: held on fd 9 until the calling script exits.
porthole_proof_lock() {
  exec 9>"$(porthole_proof_lock_file "$1")"
  flock -n 9 || porthole_die "another run of $1 is in progress (lock $(porthole_proof_lock_file "$1"))"
}

porthole_remove_interrupted_proofs() {
  local project ids volumes networks
  for project in "${PORTHOLE_PROOF_PROJECTS[@]}"; do
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    volumes=$(docker volume ls -q --filter "label=com.docker.compose.project=$project")
    networks=$(docker network ls -q --filter "label=com.docker.compose.project=$project")
    [ -n "$ids$volumes$networks" ] || continue
    (
      flock -n 8 || { porthole_log "$project is running (its lock is held): left as it is"; exit 0; }
      porthole_log "removing what an interrupted run of $project left behind"
      # shellcheck disable=SC2086 # one id per word
      [ -z "$ids" ] || docker rm -f -v $ids >/dev/null || porthole_log "could not remove containers of $project"
      # shellcheck disable=SC2086
      [ -z "$volumes" ] || docker volume rm $volumes >/dev/null || porthole_log "could not remove volumes of $project"
      # shellcheck disable=SC2086
      [ -z "$networks" ] || docker network rm $networks >/dev/null || porthole_log "could not remove networks of $project"
    ) 8>"$(porthole_proof_lock_file "$project")"
  done
}

porthole_prepare_machine() {
  porthole_install_packages
  porthole_start_docker
  porthole_remove_interrupted_proofs
  porthole_build_busybox_image
  porthole_build_kafka_image
}
