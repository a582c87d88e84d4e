#!/usr/bin/env python3
# Copied from /work/shared/bench/gen_flex.py (the project's shared benchmark material);
# benches/plan.rs has a Rust port with the same fields and distributions.
"""Synthetic Flex-shaped (PascalCase) employee export, deterministic by seed.
usage: gen_flex.py N [SEED] > records.json"""
import json, random, sys

n = int(sys.argv[1]); seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
r = random.Random(seed)
first = ["Anna","Erik","Sara","Lars","Karin","Johan","Maria","Per","Åsa","Björn","Linnéa","Örjan","Emma","Oskar","Elin","Nils"]
last = ["Andersson","Johansson","Karlsson","Nilsson","Eriksson","Larsson","Olsson","Persson","Svensson","Gustafsson","Lindqvist","Åberg","Öhman"]
offices = ["Stockholm","Göteborg","Malmö","Uppsala","Umeå"]
depts = ["Finance","Sales","Engineering","Support","HR","Marketing"]
teams = ["Payable","Receivable","Platform","Mobile","Nordics","DACH","Recruiting",""]
etypes = ["Permanent"]*18 + ["External Personnel", "Temporary"]
out = []
for i in range(n):
    f, l = r.choice(first), r.choice(last)
    eid = f"{i+1:07d}"
    mgr = f"{r.randint(1, max(1, i)):07d}" if i > 0 else None
    out.append({
        "Id": eid,
        "EmailWork": f"{f}.{l}.{i}@acme.example".lower(),
        "FirstName": f, "LastName": l,
        "Gender": r.choice(["1","2","_"]),
        "DateOfBirth": f"{r.randint(1955,2004)}-{r.randint(1,12):02d}-{r.randint(1,28):02d}T00:00:00",
        "ImmediateManagerEmployeeId": mgr,
        "EmploymentType": r.choice(etypes),
        "Office": r.choice(offices), "Department": r.choice(depts), "Team": r.choice(teams),
    })
json.dump(out, sys.stdout, ensure_ascii=False)
