#!/usr/bin/env bash
# The Kustom IPP docs' test walkthrough (API.md §11.3, plus the enroll-device guide), as plain curl
# commands against a running ipp-sim, with the documentation's example bodies sent verbatim.
#
#   cargo run -p ipp-sim -- --port 8787        # prints the merchant id and API key
#   IPP_KEY=kco_test_api_… IPP_MERCHANT=DM20260001 crates/ipp-sim/examples/walkthrough.sh
#
# Only ids the examples cannot know (a location or a device of *this* account) are replaced, with
# sed, in the otherwise untouched example files from crates/kustom-ipp/tests/fixtures/. Each step
# prints what it checked; the script stops at the first surprise (exit 1). `tests/contract` runs it.

set -euo pipefail

BASE="${IPP_BASE:-http://127.0.0.1:8787}"
KEY="${IPP_KEY:?set IPP_KEY to the API key that ipp-sim prints}"
MERCHANT="${IPP_MERCHANT:-DM20260001}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXAMPLES="${IPP_EXAMPLES:-$HERE/../../kustom-ipp/tests/fixtures}"
BODY="$(mktemp)"
trap 'rm -f "$BODY"' EXIT

# call METHOD PATH EXPECTED_STATUS [curl args…]: prints the response body; fails on another status.
call() {
  local method="$1" path="$2" expected="$3"
  shift 3
  local status
  status="$(curl -sS -o "$BODY" -w '%{http_code}' -X "$method" "$BASE/ipp/v1$path" \
    -H "Authorization: Basic $KEY" -H "Accept: application/json" "$@")"
  if [[ "$status" != "$expected" ]]; then
    echo "FAIL: $method $path answered $status, expected $expected:" >&2
    cat "$BODY" >&2
    echo >&2
    exit 1
  fi
  cat "$BODY"
}

# field NAME: the first string value of "NAME" in the JSON on stdin (the simulator writes compact JSON).
field() {
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}

# expect TEXT: fails unless the JSON on stdin contains TEXT.
expect() {
  local json
  json="$(cat)"
  if [[ "$json" != *"$1"* ]]; then
    echo "FAIL: expected $1 in $json" >&2
    exit 1
  fi
}

echo "== 0. The account's locations (every newly enabled merchant has \"My Store\")"
locations="$(call GET "/locations?page_size=100" 200 -H "x-merchant-id: $MERCHANT")"
echo "$locations" | expect '"name":"My Store"'
LOCATION="$(echo "$locations" | field id)"
echo "   using location $LOCATION"

echo "== 1. Create an enrollment with the guide's example body (expires_in 36000 ms)"
sed "s/46910cc3-ab41-4b80-b4a7-94dab9f1b795/$LOCATION/" "$EXAMPLES/enrollments.create.request.json" \
  | call POST /enrollments 201 -H "Content-Type: application/json" --data-binary @- \
  | expect '"status":"PENDING"'
echo "   PENDING"

echo "== 2. Create a simulated device with the reference's example body"
device="$(sed "s/46910cc3-ab41-4b80-b4a7-94dab9f1b795/$LOCATION/" "$EXAMPLES/dev.devices.create.request.json" \
  | call POST /dev/devices 201 -H "Content-Type: application/json" --data-binary @-)"
DEVICE="$(echo "$device" | field id)"
echo "   device $DEVICE"

echo "== 3. The device is visible in the device list"
call GET "/devices?page_size=100&location_id=$LOCATION" 200 -H "x-merchant-id: $MERCHANT" \
  | expect "\"id\":\"$DEVICE\""
echo "   listed"

echo "== 4. Create a session for it with the testing guide's example body"
session="$(sed "s/550e8400-e29b-41d4-a716-446655440000/$DEVICE/" "$EXAMPLES/sessions.create.request.json" \
  | call POST "/sessions?location_id=$LOCATION" 200 -H "Content-Type: application/json" --data-binary @-)"
echo "$session" | expect '"status":"CREATED"'
SESSION="$(echo "$session" | field session_id)"
echo "   session $SESSION is CREATED"

echo "== 5. A DECLINED_GENERIC tap: the session stays open"
# The tap's answer is only "Card tap simulated successfully." in the docs: read the session after.
call POST "/dev/sessions/$SESSION/simulate-tap?outcome=DECLINED_GENERIC" 200 > /dev/null
call GET "/sessions/$SESSION" 200 | expect '"status":"ACTIVE"'
echo "   ACTIVE"

echo "== 6. A SUCCESS tap finalizes it with an order id"
call POST "/dev/sessions/$SESSION/simulate-tap?outcome=SUCCESS" 200 > /dev/null
finalized="$(call GET "/sessions/$SESSION" 200)"
echo "$finalized" | expect '"status":"FINALIZED"'
ORDER="$(echo "$finalized" | field order_id)"
[[ -n "$ORDER" ]] || { echo "FAIL: no order_id" >&2; exit 1; }
echo "   FINALIZED, order $ORDER"

echo "== 7. Cancellation: a second session, cancelled"
second="$(sed "s/550e8400-e29b-41d4-a716-446655440000/$DEVICE/" "$EXAMPLES/sessions.create.request.json" \
  | call POST "/sessions?location_id=$LOCATION" 200 -H "Content-Type: application/json" --data-binary @- \
  | field session_id)"
call PUT "/sessions/$second/cancel" 200 | expect '"status":"CANCELLED"'
echo "   CANCELLED"

echo "walkthrough: all steps passed"
