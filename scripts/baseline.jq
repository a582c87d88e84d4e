# Copied from /work/shared/bench/baseline.jq: the flex.wtmap mapping written in jq (no diff,
# no validation), a baseline for scripts/bench.sh. Run: jq -c -f baseline.jq FILE > /dev/null
map(select((.EmailWork // "") != "") | {
  external_id: .Id,
  username: (.EmailWork | ascii_downcase | ltrimstr(" ") | rtrimstr(" ")),
  email: (.EmailWork | ascii_downcase),
  first_name: .FirstName, last_name: .LastName,
  gender: ({"1":"Male","2":"Female"}[.Gender] // "None"),
  birthday: (.DateOfBirth[0:10]),
  manager: .ImmediateManagerEmployeeId,
  exclude_from_surveys: (.EmploymentType == "External Personnel"),
  group: ([.Office, .Department, .Team] | map(select(. != "")) | join("/"))
})
