"""A synthetic but realistic catalogue of UK public-sector repositories, for benchmarks.

Deterministic for a given (n, seed). The text is not lorem ipsum: a word
bigram chain is trained on the 120 real READMEs of the demo catalogue
(pulse/data/demo-catalogue.jsonl), so term frequencies, sentence lengths and
vocabulary look like the real thing; real headings and real code blocks from
those READMEs are reused; each repo has a council "service theme" (bins,
planning, parking...) whose phrases appear in its name, description, topics
and README, so queries have realistic and varied selectivity. A Zipf tail of
rare made-up identifiers stands in for the long tail of project names,
product names and jargon a real 50k-repo catalogue has.

    from bench.synthetic import generate
    repos = generate(10_000, seed=42)   # list[pulse.record.Repo]
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pulse.core.record import Repo, cap_readme
from pulse.core.text import markdown_to_text
from pulse.core.vocabulary import PUBLISHER_TYPES

DEMO = Path(__file__).resolve().parent.parent / "pulse" / "data" / "demo-catalogue.jsonl"
README_TARGET_MAX = 30_000  # long tail of the log-normal, before cap_readme
NOW = datetime(2026, 11, 1, tzinfo=UTC)

# -- vocabularies ------------------------------------------------------------

# (theme, weight, phrases). Phrases are what a developer would type and what
# a README about that service would say.
THEMES: list[tuple[str, float, list[str]]] = [
    (
        "waste",
        3,
        [
            "bin collection",
            "waste",
            "recycling",
            "refuse collection",
            "garden waste",
            "household waste",
            "collection day",
            "missed bin",
        ],
    ),
    (
        "planning",
        3,
        ["planning application", "planning", "building control", "local plan", "planning portal", "planning decisions"],
    ),
    ("address", 3, ["address lookup", "postcode", "address", "UPRN", "gazetteer", "LLPG", "postcode search"]),
    (
        "design-system",
        4,
        ["design system", "components", "frontend", "pattern library", "GOV.UK Frontend", "Nunjucks macros", "styles"],
    ),
    (
        "foi",
        1,
        ["FOI request", "freedom of information", "information request", "EIR request", "subject access request"],
    ),
    (
        "drupal",
        3,
        ["Drupal", "LocalGov Drupal", "Drupal module", "content type", "Drupal distribution", "Drupal theme"],
    ),
    ("booking", 2, ["booking", "appointments", "book a visit", "calendar", "room booking", "booking system"]),
    (
        "flooding",
        1,
        ["flooding", "flood risk", "drainage", "flood reporting", "lead local flood authority", "sandbags"],
    ),
    ("parking", 1.5, ["parking permit", "parking", "penalty charge notice", "residents parking", "PCN", "car park"]),
    (
        "council-tax",
        1.5,
        ["council tax", "business rates", "revenues and benefits", "single person discount", "council tax bill"],
    ),
    ("api", 4, ["API", "REST API", "OpenAPI", "endpoint", "JSON API", "API gateway"]),
    ("housing", 2, ["housing", "housing repairs", "tenancy", "repairs", "social housing", "homelessness"]),
    ("schools", 2, ["school admissions", "schools", "education", "pupils", "SEND", "term dates"]),
    ("libraries", 1, ["library", "libraries", "library catalogue", "book loans", "branch finder"]),
    ("roads", 1.5, ["roadworks", "highways", "potholes", "gritting", "street works", "traffic"]),
    ("elections", 1, ["elections", "election results", "polling stations", "electoral register", "candidates"]),
    ("social-care", 1.5, ["social care", "adult social care", "children's services", "safeguarding", "care providers"]),
    ("payments", 2, ["payments", "GOV.UK Pay", "card payments", "invoices", "income management"]),
    ("forms", 2, ["forms", "form builder", "online forms", "GOV.UK Forms", "form submissions"]),
    ("data", 4, ["open data", "data pipeline", "dashboard", "analytics", "statistics", "datasets", "data platform"]),
    ("maps", 2, ["map", "mapping", "GIS", "geospatial", "web mapping", "OpenLayers", "QGIS"]),
    ("health", 3, ["NHS", "patients", "GP surgery", "health services", "clinical", "NHS login", "prescribing"]),
    ("identity", 1.5, ["authentication", "single sign-on", "identity", "GOV.UK One Login", "user accounts"]),
    (
        "infrastructure",
        4,
        ["infrastructure", "Terraform", "AWS", "Kubernetes", "Docker", "Azure", "deployment pipeline"],
    ),
    ("democracy", 1, ["committee meetings", "councillors", "democracy", "agendas", "minutes", "petitions"]),
    ("licensing", 0.7, ["licensing", "taxi licence", "premises licence", "licence applications"]),
    ("registrars", 0.5, ["registrars", "births deaths and marriages", "ceremonies", "register office"]),
    ("transport", 1, ["transport", "bus timetables", "travel", "cycling", "public transport"]),
    ("environment", 1, ["environment", "air quality", "climate", "carbon", "biodiversity", "trees"]),
    ("website", 3, ["website", "CMS", "content management", "publishing", "web pages", "Umbraco"]),
    ("complaints", 0.7, ["complaints", "feedback", "customer contact", "CRM", "case management"]),
    ("accessibility", 1, ["accessibility", "WCAG", "screen readers", "accessibility monitoring", "audits"]),
    ("prototype", 2, ["prototype", "prototype kit", "user research", "service design", "alpha"]),
    ("justice", 1.5, ["courts", "prisons", "legal aid", "probation", "tribunals"]),
    ("tax-benefits", 1, ["benefits", "tax", "universal credit", "pensions", "claims"]),
]

APP_WORDS = [
    "service",
    "application",
    "app",
    "tool",
    "website",
    "system",
    "platform",
    "library",
    "module",
    "API",
    "frontend",
    "backend",
    "prototype",
    "dashboard",
    "plugin",
    "package",
    "widget",
    "integration",
    "microservice",
    "script",
]
NAME_SUFFIXES = [
    "api",
    "frontend",
    "service",
    "app",
    "web",
    "admin",
    "infrastructure",
    "terraform",
    "prototype",
    "etl",
    "dashboard",
    "worker",
    "client",
    "components",
    "docs",
    "tests",
    "lambda",
    "importer",
    "sync",
    "portal",
    "finder",
    "manager",
    "integration",
    "ui",
    "backend",
    "mock",
    "data",
]
NAME_PREFIXES = ["Escc", "Lbh", "Ons", "Moj", "Nhs", "Dfe", "Hmrc", "Dwp", "Gds", "Scc", "Bcc", "Lcc"]
VERBS = [
    "find",
    "report",
    "apply for",
    "pay for",
    "check",
    "manage",
    "book",
    "request",
    "track",
    "update",
    "search",
    "view",
    "publish",
    "submit",
]
USERS = [
    "residents",
    "staff",
    "caseworkers",
    "officers",
    "developers",
    "businesses",
    "citizens",
    "users",
    "contractors",
    "service teams",
]

LANGUAGES = [
    "JavaScript",
    "Python",
    "TypeScript",
    "Ruby",
    "C#",
    "PHP",
    "Java",
    "HTML",
    "Go",
    "Shell",
    "HCL",
    "CSS",
    "Kotlin",
    "R",
    "Jupyter Notebook",
    "Dockerfile",
    "Scala",
    "Swift",
    "Elixir",
    "Groovy",
    "PowerShell",
    "Twig",
    "Nunjucks",
    "Vue",
    "SCSS",
    "Rust",
    "C++",
    "Perl",
    "Makefile",
    "TSQL",
]
LICENCES = [
    "MIT",
    "Apache-2.0",
    "GPL-3.0-only",
    "OGL-UK-3.0",
    "GPL-2.0-or-later",
    "AGPL-3.0-only",
    "BSD-3-Clause",
    "MPL-2.0",
    "EUPL-1.2",
    "LGPL-3.0-only",
    "CC0-1.0",
    "Unlicense",
]

TECH_TOPICS = [
    "govuk",
    "gds",
    "govuk-frontend",
    "python",
    "javascript",
    "typescript",
    "ruby",
    "rails",
    "django",
    "flask",
    "fastapi",
    "nodejs",
    "react",
    "vue",
    "angular",
    "nextjs",
    "express",
    "dotnet",
    "csharp",
    "aspnet-core",
    "blazor",
    "umbraco",
    "drupal",
    "wordpress",
    "php",
    "laravel",
    "symfony",
    "java",
    "spring-boot",
    "kotlin",
    "go",
    "golang",
    "rust",
    "terraform",
    "aws",
    "azure",
    "gcp",
    "kubernetes",
    "docker",
    "helm",
    "ansible",
    "github-actions",
    "ci",
    "cd",
    "devops",
    "serverless",
    "lambda",
    "postgres",
    "postgresql",
    "mysql",
    "sql-server",
    "mongodb",
    "redis",
    "elasticsearch",
    "opensearch",
    "graphql",
    "rest",
    "openapi",
    "swagger",
    "json",
    "csv",
    "xml",
    "pdf",
    "oauth",
    "oidc",
    "saml",
    "jwt",
    "cypress",
    "playwright",
    "jest",
    "rspec",
    "pytest",
    "selenium",
    "accessibility",
    "a11y",
    "wcag",
    "nunjucks",
    "sass",
    "scss",
    "css",
    "html",
    "webpack",
    "vite",
    "npm",
    "yarn",
    "pandas",
    "jupyter",
    "r",
    "rstats",
    "shiny",
    "data-science",
    "machine-learning",
    "nlp",
    "llm",
    "ai",
    "gis",
    "qgis",
    "postgis",
    "openlayers",
    "leaflet",
    "mapbox",
    "geojson",
    "open-data",
    "etl",
    "airflow",
    "dbt",
    "spark",
    "power-bi",
    "tableau",
    "dashboard",
    "api",
    "microservices",
    "monorepo",
    "cli",
    "bash",
    "powershell",
    "hacktoberfest",
    "prototype",
    "prototype-kit",
    "design-system",
    "components",
    "pattern-library",
    "frontend",
    "backend",
    "fullstack",
    "cms",
    "headless-cms",
    "static-site",
    "jekyll",
    "hugo",
    "eleventy",
    "middleman",
    "documentation",
    "tech-docs",
    "mkdocs",
    "security",
    "monitoring",
    "logging",
    "prometheus",
    "grafana",
    "sentry",
    "notify",
    "govuk-notify",
    "govuk-pay",
    "one-login",
    "cloud-foundry",
    "paas",
    "heroku",
    "nginx",
    "apache",
    "cloudfront",
    "s3",
    "dynamodb",
    "sqs",
    "sns",
    "cognito",
    "iam",
    "vpc",
    "cdk",
    "cloudformation",
    "pulumi",
    "packer",
    "vagrant",
    "linux",
    "windows",
    "macos",
    "ios",
    "android",
    "mobile",
    "pwa",
    "electron",
    "chatbot",
    "mcp",
]
DOMAIN_TOPICS = [
    "local-government",
    "localgov",
    "localgov-drupal",
    "council",
    "uk-government",
    "government",
    "public-sector",
    "civic-tech",
    "nhs",
    "nhs-uk",
    "health",
    "social-care",
    "housing",
    "planning",
    "waste",
    "recycling",
    "bins",
    "highways",
    "roads",
    "transport",
    "parking",
    "council-tax",
    "revenues",
    "benefits",
    "payments",
    "forms",
    "booking",
    "appointments",
    "libraries",
    "schools",
    "education",
    "send",
    "elections",
    "democracy",
    "committees",
    "petitions",
    "foi",
    "freedom-of-information",
    "complaints",
    "crm",
    "case-management",
    "address",
    "postcode",
    "uprn",
    "gazetteer",
    "maps",
    "mapping",
    "flooding",
    "environment",
    "air-quality",
    "climate",
    "net-zero",
    "biodiversity",
    "trees",
    "licensing",
    "registrars",
    "justice",
    "courts",
    "prisons",
    "legal-aid",
    "probation",
    "tax",
    "pensions",
    "universal-credit",
    "statistics",
    "census",
    "ons",
    "open-government",
    "ogl",
    "transparency",
    "spending",
    "procurement",
    "contracts",
    "jobs",
    "recruitment",
    "hr",
    "finance",
    "assets",
    "property",
    "land",
    "land-registry",
    "companies-house",
    "business-rates",
    "covid-19",
    "vaccination",
    "gp",
    "pharmacy",
    "prescribing",
    "nhs-login",
    "identity",
    "authentication",
    "single-sign-on",
    "user-research",
    "service-design",
    "digital-service",
    "alpha",
    "beta",
    "live",
    "scotland",
    "wales",
    "northern-ireland",
    "london",
    "welsh-language",
    "cymraeg",
]


def _topic_vocabulary() -> list[str]:
    vocab = list(dict.fromkeys(TECH_TOPICS + DOMAIN_TOPICS))
    extra = [
        "govuk-" + t
        for t in (
            "forms",
            "design-system",
            "prototype",
            "publishing",
            "content",
            "search",
            "accounts",
            "chat",
            "docs",
            "infrastructure",
        )
    ]
    extra += ["nhsuk-" + t for t in ("frontend", "components", "api", "search", "content")]
    extra += ["terraform-" + t for t in ("module", "aws", "azure", "provider")]
    extra += ["drupal-" + t for t in ("module", "theme", "recipe")]
    extra += ["wordpress-" + t for t in ("plugin", "theme")]
    for t in extra:
        if t not in vocab:
            vocab.append(t)
    return vocab[:300]


TOPICS = _topic_vocabulary()

PLACES = [
    "Aberdeen",
    "Barnet",
    "Barnsley",
    "Bath",
    "Bedford",
    "Birmingham",
    "Blackpool",
    "Bolton",
    "Bournemouth",
    "Bracknell",
    "Bradford",
    "Brent",
    "Brighton",
    "Bristol",
    "Bromley",
    "Buckinghamshire",
    "Bury",
    "Calderdale",
    "Cambridge",
    "Cambridgeshire",
    "Camden",
    "Cardiff",
    "Cheshire East",
    "Cornwall",
    "Coventry",
    "Croydon",
    "Cumbria",
    "Derby",
    "Derbyshire",
    "Devon",
    "Doncaster",
    "Dorset",
    "Dudley",
    "Durham",
    "Ealing",
    "East Sussex",
    "Edinburgh",
    "Enfield",
    "Essex",
    "Gateshead",
    "Glasgow",
    "Gloucester",
    "Gloucestershire",
    "Greenwich",
    "Hackney",
    "Halton",
    "Hammersmith",
    "Hampshire",
    "Haringey",
    "Harrow",
    "Hertfordshire",
    "Hillingdon",
    "Hounslow",
    "Hull",
    "Islington",
    "Kent",
    "Kingston",
    "Kirklees",
    "Knowsley",
    "Lambeth",
    "Lancashire",
    "Leeds",
    "Leicester",
    "Leicestershire",
    "Lewisham",
    "Lincolnshire",
    "Liverpool",
    "Luton",
    "Manchester",
    "Medway",
    "Merton",
    "Milton Keynes",
    "Newcastle",
    "Newham",
    "Norfolk",
    "North Yorkshire",
    "Northumberland",
    "Nottingham",
    "Nottinghamshire",
    "Oldham",
    "Oxford",
    "Oxfordshire",
    "Peterborough",
    "Plymouth",
    "Portsmouth",
    "Reading",
    "Redbridge",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Sandwell",
    "Sefton",
    "Sheffield",
    "Shropshire",
    "Slough",
    "Solihull",
    "Somerset",
    "Southampton",
    "Southwark",
    "Stockport",
    "Stoke-on-Trent",
    "Suffolk",
    "Sunderland",
    "Surrey",
    "Sutton",
    "Swansea",
    "Swindon",
    "Tameside",
    "Telford",
    "Tower Hamlets",
    "Trafford",
    "Wakefield",
    "Walsall",
    "Waltham Forest",
    "Wandsworth",
    "Warrington",
    "Warwickshire",
    "West Sussex",
    "Westminster",
    "Wigan",
    "Wiltshire",
    "Wirral",
    "Wokingham",
    "Wolverhampton",
    "Worcestershire",
    "York",
]
CENTRAL = [
    "Government Digital Service",
    "Ministry of Justice",
    "HM Revenue and Customs",
    "Department for Work and Pensions",
    "Department for Education",
    "Home Office",
    "Cabinet Office",
    "Office for National Statistics",
    "Companies House",
    "HM Land Registry",
    "Ordnance Survey",
    "Environment Agency",
    "Met Office",
    "DVLA",
    "DVSA",
    "Department for Transport",
    "Department of Health and Social Care",
    "Ministry of Defence",
    "Foreign, Commonwealth and Development Office",
    "Department for Business and Trade",
    "HM Treasury",
    "Crown Commercial Service",
    "Central Digital and Data Office",
    "Ofsted",
    "Ofqual",
    "Ofcom",
    "Food Standards Agency",
    "UK Health Security Agency",
    "National Archives",
    "Insolvency Service",
    "Planning Inspectorate",
    "Valuation Office Agency",
    "Legal Aid Agency",
    "HM Courts and Tribunals Service",
    "HM Prison and Probation Service",
    "Department for Levelling Up",
    "Department for Energy Security and Net Zero",
    "DEFRA",
    "Natural England",
    "Joint Nature Conservation Committee",
]
HEALTH = [
    "NHS England",
    "NHS Digital",
    "NHS Business Services Authority",
    "NHS website (nhs.uk)",
    "NHS Scotland",
    "NHS Wales",
    "Guy's and St Thomas' NHS Foundation Trust",
    "Manchester University NHS Foundation Trust",
    "Leeds Teaching Hospitals NHS Trust",
    "Oxford University Hospitals NHS Trust",
    "Healthy London Partnership",
    "NHS South, Central and West",
    "NHS Blood and Transplant",
    "Public Health Scotland",
    "Moorfields Eye Hospital",
    "Great Ormond Street Hospital",
    "NHS Arden and GEM",
    "NHS North of England Commissioning Support",
    "Health Education England",
    "NICE",
]
DEVOLVED = [
    "Scottish Government",
    "Welsh Government (GOV.WALES)",
    "Northern Ireland Executive",
    "Scottish Parliament",
    "Senedd Cymru",
    "NatureScot",
    "Transport Scotland",
    "Registers of Scotland",
    "Revenue Scotland",
    "Digital Health and Care Wales",
    "Scottish Government Design System",
    "Centre for Digital Public Services",
]
OTHER_PUBLIC = [
    "LocalGov Drupal",
    "LocalGov IMS",
    "Future Northants (Northamptonshire councils)",
    "Local Government Association",
    "Parliamentary Digital Service",
    "British Library",
    "UK Research and Innovation",
    "Greater London Authority",
    "Transport for London",
    "Bank of England",
    "BBC",
    "Historic England",
]

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.+#-]*[A-Za-z0-9+#]|[A-Za-z]|\d+(?:\.\d+)*")
_SENT_END = re.compile(r"(?<=[.!?])\s+")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


class Zipf:
    """Draw indices 0..n-1 with P(i) proportional to 1/(i+1)^s (fast: bisect on a CDF)."""

    def __init__(self, n: int, s: float = 1.0) -> None:
        weights = [1.0 / (i + 1) ** s for i in range(n)]
        self.cdf = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cdf, rng.random() * self.cdf[-1])


class _Corpus:
    """What the real READMEs teach: a word bigram chain, headings, code blocks."""

    def __init__(self) -> None:
        records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.chain: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        self.headings: list[str] = []
        self.code_blocks: list[str] = []
        for record in records:
            readme = record.get("readme") or ""
            for line in readme.splitlines():
                if line.startswith("## ") or line.startswith("### "):
                    self.headings.append(line.lstrip("#").strip())
            for block in re.findall(r"```[a-z]*\n(.*?)```", readme, flags=re.S):
                if 0 < len(block) < 600:
                    self.code_blocks.append(block.rstrip("\n"))
            text = markdown_to_text(readme) + "\n" + (record.get("description") or "")
            for paragraph in text.split("\n"):
                for sentence in _SENT_END.split(paragraph):
                    words = _WORD.findall(sentence)
                    if len(words) < 3:
                        continue
                    self.starts.append(words[0])
                    for a, b in zip(words, words[1:], strict=False):
                        self.chain[a].append(b)
                    self.chain[words[-1]].append(".")
        if not self.code_blocks:
            self.code_blocks = ["npm install\nnpm start"]


def _rare_words(rng: random.Random, n: int) -> list[str]:
    """Made-up identifiers and jargon (the catalogue's long tail of distinct terms)."""
    syllables = [
        "ab",
        "ac",
        "al",
        "an",
        "ar",
        "as",
        "ba",
        "be",
        "bo",
        "ca",
        "ce",
        "co",
        "da",
        "de",
        "di",
        "do",
        "el",
        "en",
        "er",
        "es",
        "fa",
        "fi",
        "ga",
        "go",
        "ha",
        "he",
        "in",
        "is",
        "ka",
        "la",
        "le",
        "li",
        "lo",
        "ma",
        "me",
        "mi",
        "mo",
        "na",
        "ne",
        "no",
        "or",
        "pa",
        "pe",
        "po",
        "ra",
        "re",
        "ri",
        "ro",
        "sa",
        "se",
        "si",
        "so",
        "ta",
        "te",
        "ti",
        "to",
        "ul",
        "un",
        "va",
        "ve",
        "vi",
        "wa",
        "xo",
        "yo",
        "za",
        "ze",
    ]
    words: set[str] = set()
    while len(words) < n:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 3, 3, 4))))
        if rng.random() < 0.15:
            word += str(rng.randint(1, 99))
        words.add(word)
    out = sorted(words)
    rng.shuffle(out)
    return out


class Generator:
    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.corpus = _Corpus()
        self.rare = _rare_words(self.rng, 60_000)
        self.rare_zipf = Zipf(len(self.rare), 1.05)
        self.theme_zipf_weights = list(itertools.accumulate(w for _, w, _ in THEMES))
        self.topic_zipf = Zipf(len(TOPICS), 1.0)
        self.language_zipf = Zipf(len(LANGUAGES), 1.1)
        self.licence_zipf = Zipf(len(LICENCES), 1.3)
        self.publishers = self._publishers()
        self.publisher_zipf = Zipf(len(self.publishers), 0.9)
        self.heading_zipf = Zipf(len(self.corpus.headings), 0.6)
        self.sentences = [self._markov_sentence() for _ in range(40_000)]

    # -- building blocks --------------------------------------------------

    def _publishers(self) -> list[tuple[str, str, str]]:
        """(display name, owner login, publisher type), about 200, biggest first after shuffling."""
        rng = self.rng
        out: list[tuple[str, str, str]] = []
        for place in PLACES:
            kind = rng.choice(
                ["Council", "City Council", "County Council", "Borough Council", "Metropolitan Borough Council"]
            )
            name = (
                f"London Borough of {place}"
                if place in ("Hackney", "Camden", "Barnet", "Brent", "Sutton", "Lambeth", "Islington", "Newham")
                else f"{place} {kind}"
            )
            out.append(
                (name, _slug(place) + rng.choice(["-council", "council", "-cc", "-digital", ""]), "local-government")
            )
        out += [(n, _slug(n.split("(")[0]), "central-government") for n in CENTRAL]
        out += [(n, _slug(n.split("(")[0]), "health") for n in HEALTH]
        out += [(n, _slug(n.split("(")[0]), "devolved") for n in DEVOLVED]
        out += [(n, _slug(n.split("(")[0]), "other-public") for n in OTHER_PUBLIC]
        rng.shuffle(out)
        assert {t for _, _, t in out} == set(PUBLISHER_TYPES)
        return out

    def _markov_sentence(self) -> str:
        rng, chain = self.rng, self.corpus.chain
        word = rng.choice(self.corpus.starts)
        words = [word]
        limit = rng.randint(6, 32)
        while len(words) < limit:
            nexts = chain.get(word)
            if not nexts:
                break
            word = rng.choice(nexts)
            if word == ".":
                if len(words) >= 5:
                    break
                word = rng.choice(self.corpus.starts)
            words.append(word)
        for i in range(len(words)):
            if rng.random() < 0.03:
                words[i] = self.rare[self.rare_zipf(rng)]
        sentence = " ".join(words)
        return sentence[:1].upper() + sentence[1:] + "."

    def _theme(self) -> tuple[str, list[str]]:
        index = bisect.bisect_left(self.theme_zipf_weights, self.rng.random() * self.theme_zipf_weights[-1])
        name, _, phrases = THEMES[index]
        return name, phrases

    def _theme_sentence(self, phrases: list[str], publisher: str, title: str) -> str:
        rng = self.rng
        p = rng.choice(phrases)
        templates = [
            f"This {rng.choice(APP_WORDS)} lets {rng.choice(USERS)} {rng.choice(VERBS)} {p} online.",
            f"It integrates with the {p} {rng.choice(APP_WORDS)} used by {publisher}.",
            f"{title} provides {p} for {rng.choice(USERS)} and {rng.choice(USERS)}.",
            f"Use it to {rng.choice(VERBS)} {p} and {rng.choice(phrases).lower()}.",
            f"We built this to replace the old {p} {rng.choice(APP_WORDS)} at {publisher}.",
            f"The {p} data comes from the {rng.choice(phrases)} {rng.choice(APP_WORDS)}.",
        ]
        return rng.choice(templates)

    def _name(self, phrases: list[str], place_slug: str) -> str:
        rng = self.rng
        words = re.findall(r"[A-Za-z0-9]+", rng.choice(phrases))
        words = [w.lower() for w in words][:3]
        suffix = rng.choice(NAME_SUFFIXES)
        style = rng.random()
        if style < 0.45:
            name = "-".join(words + [suffix])
        elif style < 0.6:
            name = f"{rng.choice(NAME_PREFIXES)}.{_camel(' '.join(words))}.{_camel(suffix)}"
        elif style < 0.7:
            name = "localgov_" + "_".join(words)
        elif style < 0.85:
            name = _camel(" ".join(words)) + _camel(suffix)
        elif style < 0.93:
            name = f"{place_slug}-{'-'.join(words)}"
        else:
            name = f"{self.rare[self.rare_zipf(rng)]}-{suffix}"
        return name

    def _description(self, phrases: list[str], publisher: str) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return ""
        p = rng.choice(phrases)
        templates = [
            f"{_cap(_a(rng.choice(APP_WORDS)))} for {p}.",
            f"{_cap(rng.choice(VERBS))} {p} online",
            f"{publisher}'s {p} {rng.choice(APP_WORDS)}",
            f"{_cap(p)} {rng.choice(APP_WORDS)} built for {rng.choice(USERS)}. {self.sentences[rng.randrange(len(self.sentences))]}",
            self.sentences[rng.randrange(len(self.sentences))],
            f"Code for the {p} {rng.choice(APP_WORDS)} ({rng.choice(['alpha', 'beta', 'live', 'prototype'])}).",
        ]
        return rng.choice(templates)

    def _topics(self, theme: str) -> tuple[str, ...]:
        rng = self.rng
        count = rng.choices(range(7), weights=[40, 12, 12, 11, 10, 8, 7])[0]
        picked: list[str] = []
        if count and rng.random() < 0.6 and theme in TOPICS:
            picked.append(theme)
        while len(picked) < count:
            topic = TOPICS[self.topic_zipf(rng)]
            if topic not in picked:
                picked.append(topic)
        return tuple(picked)

    def _readme(self, title: str, description: str, phrases: list[str], publisher: str, owner: str, name: str) -> str:
        rng = self.rng
        target = min(README_TARGET_MAX, int(rng.lognormvariate(math.log(3000), 0.75)))
        parts: list[str] = []
        if rng.random() < 0.5:
            parts.append(
                f"[![Build](https://github.com/{owner}/{name}/actions/workflows/ci.yml/badge.svg)](https://github.com/{owner}/{name}/actions)"
            )
        parts.append(f"# {title}")
        intro = [description] if description else []
        intro += [self._theme_sentence(phrases, publisher, title) for _ in range(rng.randint(1, 3))]
        intro += [self._sentence() for _ in range(rng.randint(1, 3))]
        parts.append(" ".join(intro))
        size = sum(len(p) + 2 for p in parts)
        while size < target:
            heading = self.corpus.headings[self.heading_zipf(rng)] if self.corpus.headings else "Usage"
            block = [("## " if rng.random() < 0.7 else "### ") + heading]
            kind = rng.random()
            if kind < 0.5:
                sentences = [self._sentence() for _ in range(rng.randint(2, 6))]
                if rng.random() < 0.25:
                    sentences.insert(rng.randrange(len(sentences)), self._theme_sentence(phrases, publisher, title))
                paragraph = " ".join(sentences)
                if rng.random() < 0.3:
                    paragraph += f" See the [documentation](https://{owner}.github.io/{name}/) for details."
                block.append(paragraph)
            elif kind < 0.75:
                block.append("\n".join(f"- {self._sentence()}" for _ in range(rng.randint(2, 7))))
            else:
                block.append(self._sentence())
                lang = rng.choice(["sh", "bash", "", "json", "yaml", "python", "js"])
                block.append(f"```{lang}\n{rng.choice(self.corpus.code_blocks)}\n```")
            text = "\n\n".join(block)
            parts.append(text)
            size += len(text) + 2
        readme = "\n\n".join(parts)
        if len(readme) > target:
            cut = readme.rfind("\n", 0, target)
            readme = readme[: cut if cut > target // 2 else target]
        return cap_readme(readme)

    def _sentence(self) -> str:
        return self.sentences[self.rng.randrange(len(self.sentences))]

    # -- one repo -----------------------------------------------------------

    def repo(self, index: int, seen: set[str]) -> Repo:
        rng = self.rng
        display, login, ptype = self.publishers[self.publisher_zipf(rng)]
        theme, phrases = self._theme()
        if rng.random() < 0.3:  # a second theme mixed in
            phrases = phrases + self._theme()[1][:2]
        place_slug = login.split("-")[0]
        name = self._name(phrases, place_slug)
        key = f"{login}/{name}".lower()
        while key in seen:
            name = f"{name}-{rng.randint(2, 9999)}"
            key = f"{login}/{name}".lower()
        seen.add(key)
        title = name.replace("_", " ").replace("-", " ") if rng.random() < 0.5 else name
        description = self._description(phrases, display)
        language = "" if rng.random() < 0.08 else LANGUAGES[self.language_zipf(rng)]
        licence = "" if rng.random() < 0.4 else LICENCES[self.licence_zipf(rng)]
        stars = min(20_000, int(rng.paretovariate(1.1)) - 1 + (rng.random() < 0.4) * rng.randint(0, 3))
        days_ago = int(3650 * rng.random() ** 1.8)
        pushed = NOW - timedelta(days=days_ago, seconds=rng.randrange(86_400))
        created = pushed - timedelta(days=int(rng.expovariate(1 / 500)))
        archived = rng.random() < (0.05 + 0.25 * days_ago / 3650)
        iso = "%Y-%m-%dT%H:%M:%SZ"
        readme = "" if rng.random() < 0.06 else self._readme(title, description, phrases, display, login, name)
        return Repo(
            id=10_000_000 + index,
            owner=login,
            name=name,
            url=f"https://github.com/{login}/{name}",
            source=f"github:{login}",
            publisher=display,
            publisher_type=ptype,
            description=description,
            homepage=f"https://{login}.github.io/{name}/" if rng.random() < 0.15 else "",
            topics=self._topics(theme),
            language=language,
            licence=licence,
            stars=stars,
            forks=int(stars * rng.random() * 0.4),
            open_issues=int(rng.expovariate(1 / 4)),
            archived=archived,
            is_template=rng.random() < 0.02,
            fork=rng.random() < 0.05,
            created_at=created.strftime(iso),
            pushed_at=pushed.strftime(iso),
            updated_at=pushed.strftime(iso),
            default_branch=rng.choice(["main", "main", "master", "develop"]),
            readme=readme,
            harvested_at=NOW.strftime(iso),
        )


def generate(n: int, seed: int = 42) -> list[Repo]:
    """n synthetic repos; the same (n, seed) always gives the same catalogue."""
    gen = Generator(seed)
    seen: set[str] = set()
    return [gen.repo(i, seen) for i in range(n)]


if __name__ == "__main__":  # a quick look: python -m bench.synthetic 5
    import statistics
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    repos = generate(max(count, 2000))
    lengths = sorted(len(r.readme) for r in repos)
    print(
        f"README chars: median {statistics.median(lengths):.0f}, p90 {lengths[int(len(lengths) * 0.9)]}, max {lengths[-1]}"
    )
    for repo in repos[:count]:
        print(json.dumps(repo.to_dict(), indent=1)[:2500])
        print("-" * 60)
