# Copied from /work/shared/bench/baseline.py: the flex.wtmap mapping as a hand-written script
# (no diff, no validation), a baseline for scripts/bench.sh. Run: python3 baseline.py FILE [OUT]
import json, sys
recs = json.load(open(sys.argv[1]))
G = {"1": "Male", "2": "Female"}
out = []
for r in recs:
    e = (r.get("EmailWork") or "").strip().lower()
    if not e: continue
    out.append({"external_id": r["Id"], "username": e, "email": e, "first_name": r["FirstName"], "last_name": r["LastName"],
                "gender": G.get(r["Gender"], "None"), "birthday": r["DateOfBirth"][:10], "manager": r["ImmediateManagerEmployeeId"],
                "exclude_from_surveys": r["EmploymentType"] == "External Personnel",
                "group": "/".join(x for x in (r["Office"], r["Department"], r["Team"]) if x)})
json.dump(out, open(sys.argv[2] if len(sys.argv) > 2 else "/dev/null", "w"))
