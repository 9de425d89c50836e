#!/bin/sh
# Push a repository's publications to a researcher's ORCID record through Lanyard
# (docs/integrations/orcid-works.md). Needs only a POSIX shell and curl.
#
#   LANYARD_URL=https://login.example.org ACCESS_TOKEN=… scripts/orcid-works.sh push doi 10.5555/12345678 work.json
#
# ACCESS_TOKEN is an access token Lanyard's OpenID provider issued to the repository for the
# researcher with the scope `orcid.works`. Commands:
#   push TYPE ID FILE   create or update the work whose self identifier is TYPE/ID (FILE: its JSON);
#                       prints the queued write's id
#   wait WRITE_ID       waits until Lanyard delivered the write to ORCID (or gave up); prints it;
#                       exits 0 when delivered, 2 when it failed or needs the researcher's consent
#   status WRITE_ID     prints the write as it stands
#   delete TYPE ID      removes the work at ORCID and in Lanyard; prints the queued write's id
#   list                the works this repository pushed for the researcher
#   record              the researcher's ORCID record summary
set -eu

: "${LANYARD_URL:?set LANYARD_URL to Lanyard's public URL}"
: "${ACCESS_TOKEN:?set ACCESS_TOKEN to an access token with the orcid.works scope}"
WAIT_SECONDS=${WAIT_SECONDS:-120}

# One call; prints the body, fails (with the problem document on stderr) unless the status is 2xx.
api() {
  method=$1 path=$2
  shift 2
  out=$(curl -sS -X "$method" "${LANYARD_URL%/}$path" \
    -H "Authorization: Bearer $ACCESS_TOKEN" -H 'Accept: application/json' \
    -w '\n%{http_code}' "$@")
  code=$(printf '%s\n' "$out" | tail -n 1)
  body=$(printf '%s\n' "$out" | sed '$d')
  case $code in
    2??) printf '%s\n' "$body" ;;
    *) printf 'HTTP %s %s\n' "$code" "$body" >&2; return 1 ;;
  esac
}

# An external id in a URL path: a DOI's "/" and other reserved characters percent-encoded.
encode() {
  printf '%s' "$1" | sed -e 's/%/%25/g' -e 's|/|%2F|g' -e 's/ /%20/g' -e 's/?/%3F/g' -e 's/#/%23/g' -e 's/+/%2B/g'
}

# The first value of a string field in a JSON document ("id", "state").
field() {
  grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/^"[^"]*":"//; s/"$//'
}

case ${1:-} in
  push)
    [ $# -eq 4 ] || { echo "usage: $0 push TYPE ID FILE" >&2; exit 64; }
    write=$(api PUT "/api/orcid/works/$2/$(encode "$3")" -H 'Content-Type: application/json' --data-binary "@$4")
    printf '%s' "$write" | field id
    ;;
  delete)
    [ $# -eq 3 ] || { echo "usage: $0 delete TYPE ID" >&2; exit 64; }
    write=$(api DELETE "/api/orcid/works/$2/$(encode "$3")")
    printf '%s' "$write" | field id
    ;;
  status)
    api GET "/api/orcid/writes/$2"
    ;;
  wait)
    waited=0
    while :; do
      write=$(api GET "/api/orcid/writes/$2")
      state=$(printf '%s' "$write" | field state)
      [ "$state" = queued ] && [ "$waited" -lt "$WAIT_SECONDS" ] || break
      sleep 1
      waited=$((waited + 1))
    done
    printf '%s\n' "$write"
    [ "$state" = delivered ] || exit 2
    ;;
  list)
    api GET /api/orcid/works
    ;;
  record)
    api GET /api/orcid/record
    ;;
  *)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
    ;;
esac
