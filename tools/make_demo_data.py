"""Regenerate `sources.yaml` and the demo snapshot from ../shared reference data.

Run by a maintainer when the reference data changes; users never need it
(the outputs are committed). The demo snapshot is JSON Lines of `Repo`
records (the same format as `pulse export`), built from the real README
excerpts in ../shared/reference/corpus/.
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulse.core.record import Repo  # noqa: E402

SHARED = ROOT.parent / "shared" / "reference"
TYPE_OF_CATEGORY = {
    "local-government": "local-government",
    "central-government": "central-government",
    "health": "health",
    "devolved": "devolved",
    "justice": "central-government",
    "research-science": "other-public",
    "culture-heritage": "other-public",
    "parliament": "other-public",
    "fire-rescue": "other-public",
    "police": "other-public",
    "crown-dependency": "other-public",
}
# Publishers in the corpus that the org list does not name.
EXTRA_NAMES = {
    "localgovdrupal": "LocalGov Drupal",
    "LBHackney-IT": "London Borough of Hackney",
    "Buckinghamshire-Digital-Service": "Buckinghamshire Council",
    "LocalGovIMS": "LocalGov IMS",
    "Scottish-Natural-Heritage": "NatureScot",
    "scottish-government-design-system": "Scottish Government Design System",
    "govwales": "Welsh Government (GOV.WALES)",
    "LBCamden": "London Borough of Camden",
    "LeedsCityCouncil": "Leeds City Council",
    "Surrey-County-Council": "Surrey County Council",
    "Gloucester-City-Council": "Gloucester City Council",
    "cambridgeshire-county-council": "Cambridgeshire County Council",
    "ShropshireCouncil": "Shropshire Council",
    "FutureNorthants": "Future Northants (Northamptonshire councils)",
    "OrdnanceSurvey": "Ordnance Survey",
    "NHSDigital": "NHS Digital",
}


def main() -> None:
    orgs = yaml.safe_load((SHARED / "uk-public-sector-github-orgs.yaml").read_text())["orgs"]
    corpus = [json.loads(line) for line in (SHARED / "corpus" / "uk-public-sector-repos.jsonl").open()]
    names = {o["org"].lower(): o["name"] for o in orgs if o["name"]}
    names.update({k.lower(): v for k, v in EXTRA_NAMES.items()})

    publishers: dict[str, dict] = {}
    for org in orgs:
        ptype = TYPE_OF_CATEGORY.get(org["category"])
        if ptype and org["name"]:
            publishers.setdefault(org["name"], {"name": org["name"], "type": ptype, "sources": []})
            publishers[org["name"]]["sources"].append({"github": org["org"]})
    for row in corpus:
        name = names.get(row["owner"].lower(), row["owner"])
        entry = publishers.setdefault(name, {"name": name, "type": row["owner_kind"], "sources": []})
        if row["owner"].lower() not in {s["github"].lower() for p in publishers.values() for s in p["sources"]}:
            entry["sources"].append({"github": row["owner"]})
    header = (
        "# Publishers Pulse harvests: a display name, a type and one or more sources.\n"
        "# type: local-government | central-government | health | devolved | other-public\n"
        "# Drawn from the UK public-sector GitHub organisations list (github/government.github.com,\n"
        "# gh-pages 1d5af7e, 2 Mar 2024) and the owners of the demo corpus. Regenerate: tools/make_demo_data.py\n"
    )
    ordered = sorted(publishers.values(), key=lambda p: (p["type"], p["name"].lower()))
    (ROOT / "sources.yaml").write_text(
        header + yaml.safe_dump({"publishers": ordered}, sort_keys=False, allow_unicode=True)
    )

    types = {s["github"].lower(): p["type"] for p in ordered for s in p["sources"]}
    with (ROOT / "pulse" / "data" / "demo-catalogue.jsonl").open("w") as out:
        for row in corpus:
            repo = Repo(
                # The corpus has no GitHub ids; a stable id derived from the name stands in.
                id=zlib.crc32(row["full_name"].lower().encode()),
                owner=row["owner"],
                name=row["name"],
                url=row["html_url"],
                source=f"demo:{row['owner'].lower()}",
                publisher=names.get(row["owner"].lower(), row["owner"]),
                publisher_type=types.get(row["owner"].lower(), row["owner_kind"]),
                description=row["description"] or "",
                language=(row["languages"] or [""])[0],
                licence=row["license_spdx"] or "",
                readme=row["readme"],
                fork=bool(row.get("fork_of")),
                fork_of=row.get("fork_of") or "",
                has_contributing=row.get("has_contributing"),
                has_tests=row.get("has_tests"),
            )
            out.write(json.dumps(repo.to_dict(), ensure_ascii=False) + "\n")
    print(f"{len(ordered)} publishers, {len(corpus)} demo repos")


if __name__ == "__main__":
    main()
