#!/bin/sh
# One HTTP/1.x request; stdin and stdout are the client's connection.
#   GET /           200, body names the hostname and the image version
#   GET /healthz    200 "ok"
#   GET /burn?ms=N  burns CPU for about N ms (at most 60000), then 200
cr=$(printf '\r')
read -r -t 10 method target _ || exit 0
# The headers end at the first empty line.
while read -r -t 10 line; do
	[ "${line%"$cr"}" = "" ] && break
done

host=$(hostname)
path=${target%%\?*}
query=
case $target in *\?*) query=${target#*\?} ;; esac

# param NAME prints NAME's value from the query string.
param() {
	old_ifs=$IFS
	IFS='&'
	for kv in $query; do
		case $kv in "$1"=*)
			printf '%s' "${kv#*=}"
			break
			;;
		esac
	done
	IFS=$old_ifs
}

# now_cs prints the uptime in centiseconds (a clock that only goes forward).
now_cs() {
	if read -r up _ </proc/uptime 2>/dev/null; then
		echo "${up%.*}${up#*.}"
	else
		echo $(($(date +%s) * 100))
	fi
}

burn() {
	end=$(($(now_cs) + ($1 + 9) / 10))
	while :; do
		i=0
		while [ "$i" -lt 500 ]; do i=$((i + 1)); done
		[ "$(now_cs)" -ge "$end" ] && break
	done
}

status='200 OK'
case $method in
GET | HEAD)
	case $path in
	/) body="hello from $host version $VERSION" ;;
	/healthz) body=ok ;;
	/burn)
		ms=$(param ms)
		case $ms in
		'' | *[!0-9]*)
			status='400 Bad Request'
			body='ms must be a whole number of milliseconds'
			;;
		*)
			ms=${ms#"${ms%%[!0]*}"}
			[ -z "$ms" ] && ms=0
			[ "${#ms}" -gt 5 ] && ms=60000
			[ "$ms" -gt 60000 ] && ms=60000
			burn "$ms"
			body="burned ${ms}ms on $host version $VERSION"
			;;
		esac
		;;
	*)
		status='404 Not Found'
		body="no such path: $path"
		;;
	esac
	;;
*)
	status='405 Method Not Allowed'
	body="method $method is not allowed"
	;;
esac

# Logged before answering, so a client that has its answer can find the line.
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $method $target ${status%% *} host=$host version=$VERSION" >&2
printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nX-Version: %s\r\nConnection: close\r\n\r\n' \
	"$status" "$((${#body} + 1))" "$VERSION"
[ "$method" = HEAD ] || printf '%s\n' "$body"
