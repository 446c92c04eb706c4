"""Service areas: which council service an item is for, from a curated vocabulary and transparent rules.

"Browse by council service" needs every item filed under the services a council runs (waste and
recycling, planning, housing ...) plus six cross-cutting areas (forms and payments, maps and
addresses, content and websites, identity, data and reporting, infrastructure). The 22 areas,
their labels and one-line scopes are declared here once (`SERVICE_AREA_TERMS`, `SCOPES`).

The rules, which anyone can read and argue with:

1. The text. Four fields, lower-cased, with `-`, `_` and `/` read as spaces: the name split into
   words (`Escc.Libraries.BranchFinder` -> "escc libraries branch finder"), the description, the
   topics, and the README's prose (`markdown_to_text`, so code blocks and commands never count:
   `venv/bin/activate` is not about bins), its first `README_CHARS` characters. Name, description
   and topics are the *head*; the README's prose is the *body*.
2. The patterns. Each area has a short list of regular expressions (`RULES`), lower-case, matched
   on word boundaries, UK and US spellings both written out. Ambiguous words carry their exceptions
   in the pattern: "library" alone is a code library, so only "public library", "library
   catalogue", "find your library" count; "map" followed by "the" is a verb. A few patterns are
   *weak*: words that describe how a thing is built (Docker, AWS, HTML, "website") add strength to
   an area but never assign it alone. A match inside a longer match for another area does not
   count for its own: "housing benefit" is benefits, not housing; "infrastructure project" is
   planning, not infrastructure.
3. The evidence. A *specific* area (the 16 council services) is assigned when one of its strong
   patterns is in the head, or at least `BODY_HITS_NEEDED` distinct ones are in the body (one
   word in a README is a mention, not a subject). A *cross-cutting* area (the last six) is
   assigned only from the head: every README talks about signing in, HTML, Docker and data
   while being about something else, so the body only adds strength to a cross-cutting area
   the head already names.
4. The order. Strength is 2 x the distinct patterns (strong or weak) in the head + those found
   only in the body; the strongest first, a specific area before a cross-cutting one of equal
   strength, then vocabulary order. At most `MAX_AREAS` areas.

Notifications (email, text message and letter, as GOV.UK Notify sends them) are part of forms
and payments: the transactions a service has with the public.

`area_of_query` reads a search query with the same patterns (all of them, as a head), so the
concept behind "local authority boundaries" is maps and addresses and "bin collection" is waste.

Measured against a judged sample of 200 items (bench/service_areas/, BENCHMARKS.md): precision
and recall per area on a held-out half. Curated by hand: add a pattern when the bench shows a
miss on the tuning half, and say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pulse.core.record import Repo
from pulse.core.text import markdown_to_text
from pulse.core.vocabulary import Term

README_CHARS = 2_000  # the README prose read: its opening says what the item is for
README_MARKDOWN_CHARS = 12_000  # markdown parsed to find that prose (a long README's tail never counts)
BODY_HITS_NEEDED = 2
MAX_AREAS = 3

SERVICE_AREA_TERMS: tuple[Term, ...] = (
    Term("waste-and-recycling", "Waste and recycling"),
    Term("planning", "Planning"),
    Term("housing", "Housing"),
    Term("highways-and-transport", "Highways and transport"),
    Term("parking", "Parking"),
    Term("council-tax-and-benefits", "Council tax and benefits"),
    Term("libraries", "Libraries"),
    Term("schools-and-send", "Schools and SEND"),
    Term("social-care", "Social care"),
    Term("environmental-health", "Environmental health"),
    Term("licensing", "Licensing"),
    Term("elections-and-democracy", "Elections and democracy"),
    Term("births-deaths-and-marriages", "Registration of births, deaths and marriages"),
    Term("business-and-trading-standards", "Business and trading standards"),
    Term("parks-and-leisure", "Parks and leisure"),
    Term("emergency-planning", "Emergency planning"),
    Term("forms-and-payments", "Forms and payments"),
    Term("maps-and-addresses", "Maps and addresses"),
    Term("content-and-websites", "Content and websites"),
    Term("identity", "Identity"),
    Term("data-and-reporting", "Data and reporting"),
    Term("infrastructure", "Infrastructure"),
)
SERVICE_AREAS: tuple[str, ...] = tuple(t.value for t in SERVICE_AREA_TERMS)
SERVICE_AREA_LABELS: dict[str, str] = {t.value: t.label for t in SERVICE_AREA_TERMS}
CROSS_CUTTING: frozenset[str] = frozenset(SERVICE_AREAS[-6:])

# What each area covers, one line each: shown on the browse page, and the rule a judge applies.
SCOPES: dict[str, str] = {
    "waste-and-recycling": (
        "Household and trade waste: bin collections, recycling, tips and recycling centres, fly-tipping, litter."
    ),
    "planning": (
        "Planning applications and decisions, planning policy and local plans, building control, planning data and "
        "constraints."
    ),
    "housing": (
        "Council and social housing: tenancies, rents, repairs, homelessness, housing registers, landlords and "
        "private renting."
    ),
    "highways-and-transport": (
        "Roads, streetworks, gritting, street lighting, traffic, public transport, travel, drivers and vehicles."
    ),
    "parking": "Parking permits and suspensions, car parks, penalty charge notices, blue badges.",
    "council-tax-and-benefits": (
        "Council tax, business rates, council tax support, housing benefit and other welfare benefits and financial"
        " help."
    ),
    "libraries": "Public libraries: branches, catalogues, loans and e-books, archives and local history.",
    "schools-and-send": (
        "Schools, pupils and teachers, admissions, special educational needs (SEND, EHC plans), early years and "
        "childcare, further education."
    ),
    "social-care": (
        "Adult and children's social care, safeguarding, fostering and adoption, carers, care providers, support "
        "for vulnerable people."
    ),
    "environmental-health": "Food hygiene and safety, air quality and pollution, noise, pest control, public health.",
    "licensing": (
        "Licences a council issues: premises and alcohol, taxis and private hire, gambling, street trading, animals."
    ),
    "elections-and-democracy": (
        "Elections and electoral registration, councillors, committees and meetings, petitions, parliament, freedom"
        " of information."
    ),
    "births-deaths-and-marriages": (
        "Register offices: births, deaths, marriages and civil partnerships, ceremonies, bereavement, cemeteries."
    ),
    "business-and-trading-standards": (
        "Businesses' dealings with the public sector: trading standards, consumer protection, company registration,"
        " business taxes and customs, procurement."
    ),
    "parks-and-leisure": (
        "Parks and open spaces, countryside and rights of way, leisure centres and sport, arts, culture, museums, "
        "events and tourism."
    ),
    "emergency-planning": (
        "Emergencies and resilience: flooding, severe weather, major incidents, pandemics, civil contingencies."
    ),
    "forms-and-payments": (
        "Transactions with the public: online forms and surveys, payments and refunds, bookings, notifications "
        "(email, text message, letter)."
    ),
    "maps-and-addresses": (
        "Maps and GIS, geospatial data and geographies, boundaries, addresses, postcodes, gazetteers (LLPG, UPRN), "
        "location lookups."
    ),
    "content-and-websites": (
        "Websites and their content: CMSs, publishing, design systems, front-end components and patterns, site "
        "search, web accessibility."
    ),
    "identity": (
        "Sign-in and authentication, accounts, roles and permissions, identity verification, records of who a "
        "person is."
    ),
    "data-and-reporting": (
        "Statistics and analysis, dashboards and charts, reports, data pipelines and platforms, open data."
    ),
    "infrastructure": (
        "Hosting and cloud, deployment and CI, containers, networks and proxies, logging and monitoring, security "
        "operations."
    ),
}


@dataclass(frozen=True)
class Rule:
    """One area's patterns: `patterns` assign the area (rule 3), `weak` ones only add strength (rule 4)."""

    area: str
    patterns: tuple[str, ...]
    weak: tuple[str, ...] = ()


# Lower-case regexes over text whose `-`, `_` and `/` are spaces; each is wrapped in word boundaries.
# Order within a list does not matter (the longer pattern wins a tie, rule 2).
RULES: tuple[Rule, ...] = (
    Rule("waste-and-recycling", (
        r"waste", r"recycl\w*", r"rubbish", r"refuse (collection|vehicle|round|freighter)s?", r"garbage", r"trash",
        r"bin (collection|day|round|calendar|lorry|lorries)s?", r"bin days?", r"wheelie bins?", r"fly ?tip\w*",
        r"landfill", r"litter", r"missed (bin|bins|collection|collections)",
        r"bins? (request|requests|order|orders|service)", r"(household|garden|food|green|trade|clinical) waste",
        r"tips? (booking|site)s?",
    )),
    Rule("planning", (
        r"planning (application|permission|policy|policies|data|portal|register|authority|authorities"
        r"|decision|appeal|consent|condition|constraint|obligation|enforcement|inspectorate|officer)s?",
        r"(?<!emergency )(?<!sprint )(?<!capacity )(?<!release )(?<!resource )(?<!route )(?<!journey )(?<!care )"
        r"(?<!financial )(?<!workforce )(?<!project )(?<!event )(?<!meal )(?<!contingency )"
        r"(?<!travel )(?<!trip )planning",
        r"development (management|control|plan|plans)", r"local plans?", r"building (control|regulations)",
        r"conservation areas?", r"listed buildings?", r"tree preservation( orders?| zones?)?", r"brownfield",
        r"green ?belt", r"article 4", r"section 106", r"s106", r"community infrastructure levy",
        r"infrastructure (project|projects)", r"nationally significant", r"land use", r"neighbourhood plans?",
    )),
    Rule("housing", (
        r"housing(?! (all|the|code|our|a|an|various|multiple|this|these|its|their|both)\b)", r"tenan(t|ts|cy|cies)",
        r"council (home|homes|house|houses|housing)", r"homeless\w*", r"landlords?", r"leasehold\w*",
        r"right to buy", r"rent (account|accounts|arrears|collection)", r"(housing|home|property) repairs?",
        r"report a repair", r"repairs? (hub|service|api)", r"lettings",
        r"letting (agent|agents|agency|agencies|service|services)", r"houses? in multiple occupation", r"hmos?",
        r"void (property|properties)", r"temporary accommodation", r"estate (management|services)",
    )),
    Rule("highways-and-transport", (
        r"highways?", r"roads?(?! ?map)", r"road ?works", r"street ?works", r"potholes?", r"traffic",
        r"(?<!insights )(?<!logging )(?<!log )(?<!custom )transport(ation)?(?! (layer|protocol|security))",
        r"(?<!service )(?<!message )(?<!event )(?<!data )(?<!enterprise )(?<!serial )bus(es)?", r"bus stops?",
        r"railways?", r"rail (network|station|stations|service|services|timetable|timetables|industry)", r"gritting",
        r"gritters?", r"street ?light(s|ing)?", r"cycl(e|ing) (lane|lanes|route|routes|path|paths|hire)", r"cycling",
        r"journey planner", r"travel", r"vehicles?",
        r"driving (test|tests|licence|licences|license|licenses|instructor|instructors)",
        r"mot (test|tests|history)", r"road safety", r"speed cameras?", r"transxchange", r"timetables?", r"trams?",
        r"ferr(y|ies)", r"school transport", r"concessionary", r"(electric vehicle|ev) charging", r"pavements?",
    )),
    Rule("parking", (
        r"parking", r"car parks?", r"penalty charge (notice)?s?", r"pcns?", r"blue badges?", r"parking permits?",
    )),
    Rule("council-tax-and-benefits", (
        r"council tax", r"business rates", r"non domestic rates", r"nndr", r"housing benefit", r"universal credit",
        r"benefits? (claim|claims|claimant|claimants|system|systems|entitlement|calculator|advice|checker"
        r"|payment|payments|enquiry|enquiries)",
        r"claimants?", r"welfare", r"council tax (reduction|support)", r"state pension", r"pension credit",
        r"personal independence payment", r"child benefit", r"disability (benefit|benefits|living allowance)",
        r"jobseeker'?s?", r"low income", r"discretionary housing payments?", r"revenues and benefits",
        r"cost of living", r"(attendance|carer'?s?) allowance", r"means test\w*",
    )),
    Rule("libraries", (
        r"public librar(y|ies)",
        r"librar(y|ies) (branch|branches|catalogue|catalogues|catalog|catalogs|card|cards|loan|loans|book"
        r"|books|member|members|membership|service|services|opening|staff|users?)",
        r"(find|your|local|mobile) (a )?librar(y|ies)", r"e ?books?", r"borrowers?", r"archives and local history",
        r"local history", r"family history", r"record office",
    )),
    Rule("schools-and-send", (
        r"schools?", r"pupils?", r"teach(er|ers|ing)", r"special educational needs?", r"send (support|code|funding)",
        r"sendcos?", r"sencos?", r"ehc ?(p|ps|plan|plans)", r"education,? health and care", r"early years",
        r"child ?care", r"nurser(y|ies)", r"ofsted", r"students?", r"apprenticeships?", r"further education",
        r"curriculum", r"education(al)?", r"learners?", r"free school meals",
    )),
    Rule("social-care", (
        r"social care", r"social work(er|ers)?", r"safeguarding", r"foster(ing|ers)?", r"foster carers?",
        r"adoption (service|services|agency|agencies|order|orders)", r"adopters?",
        r"care (home|homes|leaver|leavers|provider|providers|package|packages|plan|plans|assessment"
        r"|assessments|needs|worker|workers|record|records)",
        r"carers?", r"children'?s services", r"looked after children",
        r"vulnerable (adult|adults|children|people|residents)", r"adult care", r"domiciliary", r"care act",
        r"deprivation of liberty", r"early help", r"child protection", r"children in care", r"reablement",
        r"care quality commission", r"cqc",
    )),
    Rule("environmental-health", (
        r"environmental health", r"food (hygiene|safety|standards|premises|business registration)", r"air quality",
        r"(air|noise|water|light) pollution", r"pollution", r"noise (complaint|complaints|nuisance)",
        r"pest control", r"contaminated land", r"public health", r"hygiene ratings?",
        r"dog (fouling|warden|wardens)", r"stray dogs?",
    )),
    Rule("licensing", (
        r"licensing (authority|authorities|act|application|applications|register|service|services|team"
        r"|policy|officer|officers)",
        r"(premises|alcohol|taxi|gambling|personal|street trading|animal|hmo|pavement|scrap metal"
        r"|entertainment|market) licen[cs](e|es|ing)",
        r"taxis?", r"private hire", r"hackney carriages?", r"gambling", r"street trading",
        r"(general|wildlife|species|rod|fishing) licen[cs]es?",
        r"licen[cs]e (application|applications|holder|holders|applicant|applicants)",
    )),
    Rule("elections-and-democracy", (
        r"elections?", r"electoral", r"voters?", r"voting", r"ballots?",
        r"polling (station|stations|district|districts|card|cards)", r"councillors?", r"democra(cy|tic)",
        r"(council|committee|cabinet|full council) meetings?", r"committees?", r"petitions?", r"parliament(ary)?",
        r"members of parliament", r"mps", r"written (question|questions|answer|answers|statement|statements)",
        r"hansard", r"freedom of information", r"foi (request|requests)", r"legislation", r"select committees?",
    )),
    Rule("births-deaths-and-marriages", (
        r"births?", r"deaths?", r"marriages?", r"civil partnerships?", r"register offices?", r"registrars?",
        r"(wedding|citizenship|naming) ceremon(y|ies)", r"tell us once", r"bereavement",
        r"(death|birth|marriage) certificates?", r"cemeter(y|ies)", r"crematori(um|a)", r"funerals?", r"burials?",
    )),
    Rule("business-and-trading-standards", (
        r"trading standards", r"business(es)? (support|grant|grants|advice|registration|directory)",
        r"small businesses", r"companies house",
        r"compan(y|ies) (profile|profiles|register|registration|search|number|numbers|filing|filings"
        r"|accounts|officers)",
        r"incorporat(e|ed|ion) (a )?compan(y|ies)", r"consumer (protection|rights|advice)", r"scams?",
        r"counterfeit\w*", r"weights and measures", r"product safety", r"customs", r"export declarations?",
        r"(alcohol|excise|fuel|tobacco|stamp) dut(y|ies)", r"vat", r"excise", r"plastic packaging tax",
        r"procurement", r"tenders?", r"business (tax|taxes)",
    )),
    Rule("parks-and-leisure", (
        r"(?<!car )parks?", r"open spaces?", r"green spaces?", r"leisure", r"sports?", r"playgrounds?",
        r"allotments?", r"museums?", r"art galler(y|ies)", r"public art", r"arts", r"culture", r"cultural",
        r"heritage", r"touris(m|t|ts)", r"(community|local|council|public) events?",
        r"events? (calendar|listing|listings)", r"events?(?= content type)", r"what'?s on", r"countryside",
        r"rights of way", r"footpaths?", r"swimming", r"gyms?", r"theatres?", r"festivals?", r"beach(es)?",
        r"nature reserves?",
    )),
    Rule("emergency-planning", (
        r"emergency planning", r"emergenc(y|ies)(?! department)", r"civil contingenc(y|ies)", r"flood\w*",
        r"severe weather", r"major incidents?", r"evacuat\w+", r"coronavirus", r"covid( 19)?", r"pandemic",
        r"heat ?waves?", r"warning and informing", r"business continuity",
        r"resilience (forum|planning|team|partnership)", r"local resilience",
    )),
    Rule("forms-and-payments", (
        r"(web|e|online|digital|paper) ?forms?", r"forms",
        r"form (builder|builders|runner|submission|submissions|designer|data|field|fields|element|elements"
        r"|journey|journeys|template|templates|validation)",
        r"questionnaires?", r"surveys?", r"payments?", r"gov\.?uk pay", r"card payments?", r"refunds?",
        r"direct debits?", r"invoic(e|es|ing)", r"gov\.?uk notify", r"notify", r"notifications?",
        r"send(s|ing)? (an )?(email|emails|text message|text messages|sms|letter|letters)", r"sms",
        r"text messages?", r"email (alert|alerts|notification|notifications)", r"bookings?", r"appointments?",
        r"check ?box(es)?", r"tick ?box(es)?", r"radios?", r"radio buttons?", r"text (input|area)", r"file upload",
        r"character count", r"check (your )?answers", r"validation errors?", r"error summary", r"feedback form",
        r"printing", r"upload(s|ing)? (documents|files|evidence)", r"income management",
        r"(ask|help|let) users (to )?(for|enter|provide|give|select|choose|upload)",
    )),
    Rule("maps-and-addresses", (
        r"(?<!site )(?<!road )(?<!source )(?<!mind )(?<!key )(?<!hash )(?<!tree )(?<!journey )(?<!user )maps?(?! (the"
        r"|out|your|our|a|an|to|each|every|all|it|them|this|these|those|between|onto|over)\b)",
        r"(web|interactive|online) mapping",
        r"mapping (application|applications|tool|tools|service|services|layer|layers|platform|system)", r"gis",
        r"qgis", r"geospatial", r"geographic(al)?( information)?", r"geograph(y|ies)", r"spatial", r"gazetteers?",
        r"llpg", r"nlpg", r"uprns?", r"usrns?", r"addressbase",
        r"address(es)? (lookup|lookups|search|finder|data|matching|validation|api|look up|index)", r"addresses",
        r"post ?codes?", r"(?<!error )boundar(y|ies)",
        r"(?<!object )(?<!data )(?<!field )(?<!port )(?<!key )(?<!relational )mapping(?! (to|of|between|the"
        r"|from|table|tables|file|files)\b)",
        r"ordnance survey", r"openlayers", r"leaflet ?(js|maps?)", r"leaflet\.js", r"mapbox", r"geoserver", r"wms",
        r"wfs", r"geo ?json", r"shape ?files?", r"latitude", r"longitude", r"british national grid",
        r"os (maps|api|apis|data|places|names|open\w*)", r"mapit", r"location (lookup|search|based|services?)",
        r"locations api", r"local authority (boundary|boundaries|district|districts|areas?)", r"output areas?",
        r"lsoas?", r"msoas?", r"grid (reference|references|index)", r"geocod\w+", r"coordinates",
    )),
    Rule("content-and-websites", (
        r"cms", r"content management", r"drupal", r"wordpress", r"umbraco", r"wagtail", r"sitecore", r"joomla",
        r"content publishing", r"publishing (app|application|applications|platform|tool|tools|workflow|system)",
        r"publish(ing)? content", r"scheduled publishing",
        r"content (design|designer|designers|type|types|editor|editors|store|item|items|page|pages|strategy"
        r"|model|blocks?|moderation)",
        r"design system", r"front ?end (component|components|library|toolkit|framework|styles)",
        r"gov\.?uk frontend", r"nhs\.?uk frontend", r"components? librar(y|ies)", r"(ui|user interface) components?",
        r"user interfaces?", r"pattern librar(y|ies)", r"storybook", r"react components?", r"components?",
        r"(?<!service )patterns?", r"accordion", r"(base|child|wordpress|drupal|site) themes?", r"intranet",
        r"microsites?", r"accessibility", r"wcag", r"site search", r"search (box|engine|page|results)",
        r"redirects?", r"seo", r"static (web ?)?sites?", r"style ?guides?",
        r"cookies? (consent|banner|banners|policy|policies)", r"navigation", r"breadcrumbs?", r"prototyp(e|es|ing)",
        r"web pages?", r"page templates?", r"(global|page|site) (header|footer|templates?)",
        r"publish(es|ed|ing)? (\w+ ){0,6}(to|on) (gov\.?uk|the website|the site|the web)",
    ), weak=(
        r"websites?", r"web ?sites?", r"html", r"browsers?", r"css", r"sass", r"gov\.?uk",
    )),
    Rule("identity", (
        r"single sign ?on", r"sso", r"oauth ?2?", r"openid( connect)?", r"saml", r"authenticat\w+", r"identity",
        r"identities", r"one login", r"2fa", r"mfa", r"two ?(factor|step)", r"multi ?factor", r"passwords?",
        r"usernames?",
        r"user (account|accounts|management|admin|administration|access|role|roles|permission|permissions)",
        r"access (control|management|manager)", r"role ?based", r"rbac", r"permissions?", r"active directory",
        r"entra( id)?", r"azure ad", r"keycloak", r"person records?", r"(personal )?demographics",
        r"identity verification", r"verify (your|their) identity", r"security codes?", r"sign ?on",
        r"accounts? (administration|management)", r"sign ?in", r"log ?in", r"logins?", r"accounts?",
    )),
    Rule("data-and-reporting", (
        r"data ?(platform|platforms|pipeline|pipelines|warehouse|warehousing|lake|science|scientists?"
        r"|engineering|analysis|analytics|visuali[sz]ations?|dictionary|sets?|catalogue|catalog|standards?"
        r"|store|hub|lab)",
        r"datasets?", r"open data", r"statistic(s|al)", r"analytics", r"analys[ie]s(?! ready)", r"analytical",
        r"analysts?", r"dashboards?", r"reporting",
        r"(monthly|annual|quarterly|statistical|management|performance) reports?", r"reports", r"charts?",
        r"ggplot2?", r"plotly", r"tableau", r"power ?bi", r"reproducible analytical", r"etl", r"synthetic data",
        r"census", r"metrics", r"kpis?", r"sparql", r"ckan", r"data(frames?| frames?)", r"r packages?",
        r"(load|loads|loading|import|imports|importing|ingest|ingests|ingesting) data",
        r"data (load|loader|loading|ingest|ingestion|import)", r"jupyter", r"notebooks?", r"pandas", r"sql server",
        r"postgresql table",
    )),
    Rule("infrastructure", (
        r"infrastructure(?! (project|projects|levy|planning))", r"terraform", r"kubernetes", r"k8s", r"helm",
        r"ci cd", r"continuous (integration|deployment|delivery)", r"hosting", r"ansible", r"puppet",
        r"(infrastructure|server|service|uptime|application|performance|security) monitoring", r"observability",
        r"logging", r"loggers?", r"prometheus", r"grafana", r"reverse prox(y|ies)", r"load balanc\w+", r"dns",
        r"cdn", r"vpn", r"firewalls?", r"vulnerabilit(y|ies) scann\w+", r"iam", r"secrets? management", r"backups?",
        r"paas", r"platform as a service", r"github actions", r"devops", r"rancher", r"deployment scripts?",
        r"build (scripts?|pipelines?)", r"cloud platform", r"github (organi[sz]ation|organi[sz]ations|permissions)",
        r"ci", r"(ci|build|deployment|release) pipelines?",
    ), weak=(
        r"docker\w*", r"deploy\w*", r"aws", r"azure", r"cloud", r"lambdas?", r"serverless", r"containers?", r"nginx",
        r"apache", r"proxy",
    )),
)  # fmt: skip


@dataclass(frozen=True)
class _Pattern:
    area: str
    index: int  # the pattern's number within its area (distinct-pattern counting)
    weak: bool
    regex: re.Pattern[str]


# How the rules run fast (a README is scanned once, not once per pattern): every pattern has an
# *anchor*, the longest run of plain characters any match must contain ("recycl" for `recycl\w*`,
# " users " for `(ask|help) users ...`). One trie-shaped regex of all anchors finds where anchors
# occur; only there, within a window, is each pattern that owns the anchor tried.
_WINDOW = 100  # characters either side of an anchor a pattern's match may reach (none is longer)
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 '.,")


def _anchor(pattern: str) -> str:
    """The longest literal run every match of `pattern` contains ("" when it has none of 2+ characters).

    Reads the pattern text: groups and lookarounds, classes, escapes and optional characters break
    a run; a top-level `|` is refused (each pattern is one alternative; wrap choices in a group).
    """
    runs, run, depth, i = [], "", 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            literal = pattern[i + 1] if i + 1 < len(pattern) else ""
            i += 2
            if depth == 0 and literal and literal in ".'":
                char = literal
            else:
                runs.append(run)
                run = ""
                continue
        elif char == "(" or char == ")":
            depth += 1 if char == "(" else -1
            runs.append(run)
            run = ""
            i += 1
            continue
        elif char == "[" or char == "{":  # a class, or a count: never a literal
            i = pattern.index("]" if char == "[" else "}", i) + 1
            runs.append(run)
            run = ""
            continue
        elif char == "|" and depth == 0:
            raise ValueError(f"top-level | in service-area pattern {pattern!r}: wrap the choices in a group")
        else:
            i += 1
        if depth:
            continue
        following = pattern[i] if i < len(pattern) else ""
        if following and following in "?*{":  # optional: not part of every match
            runs.append(run)
            run = ""
        elif following == "+":
            runs.append(run + char)
            run = ""
        elif char in _PLAIN and char != ".":
            run += char
        elif char == "." and pattern[i - 2 : i] == "\\.":
            run += char
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    best = max(runs, key=len)
    return best if len(best) >= 2 else ""


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of `words`, shaped as a trie so each position costs a few steps."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _compile(rules: Iterable[Rule]) -> tuple[re.Pattern[str], dict[str, tuple[_Pattern, ...]], tuple[_Pattern, ...]]:
    """The anchor scanner, the patterns each anchor (with its prefixes) triggers, and the unanchored ones."""
    by_anchor: dict[str, list[_Pattern]] = {}
    unanchored: list[_Pattern] = []
    for rule in rules:
        for index, text in enumerate((*rule.patterns, *rule.weak)):
            pattern = _Pattern(rule.area, index, index >= len(rule.patterns), re.compile(rf"\b(?:{text})\b"))
            anchor = _anchor(text)
            (by_anchor.setdefault(anchor, []) if anchor else unanchored).append(pattern)
    # A lookahead finds an anchor at every position, overlaps included; the longest anchor that
    # starts at a position stands for the shorter ones that are its prefixes.
    triggers = {
        anchor: tuple(p for other, found in by_anchor.items() if anchor.startswith(other) for p in found)
        for anchor in by_anchor
    }
    scanner = re.compile(f"(?=({_trie_regex(by_anchor)}))")
    return scanner, triggers, tuple(unanchored)


_ANCHORS, _TRIGGERS, _UNANCHORED = _compile(RULES)


@dataclass(frozen=True)
class _Match:
    pattern: _Pattern
    start: int
    end: int
    text: str


def _matches(text: str) -> list[_Match]:
    """Every pattern match in `text`, less those inside a longer match of another pattern (rule 2)."""
    windows: dict[_Pattern, list[tuple[int, int]]] = {}
    for found in _ANCHORS.finditer(text):
        at, anchor = found.start(), found.group(1)
        if not anchor:
            continue
        start, end = max(0, at - _WINDOW), min(len(text), at + len(anchor) + _WINDOW)
        for pattern in _TRIGGERS[anchor]:
            windows.setdefault(pattern, []).append((start, end))
    spans: dict[tuple[int, int, _Pattern], str] = {}
    for pattern, ranges in windows.items():
        merged: list[list[int]] = []
        for start, end in ranges:  # in text order; overlapping windows become one
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            while end < len(text) and text[end].isalnum():  # never cut a word: `\b` would match there
                end += 1
            for match in pattern.regex.finditer(text, start, end):
                spans[(match.start(), match.end(), pattern)] = match.group()
    for pattern in _UNANCHORED:
        for match in pattern.regex.finditer(text):
            spans[(match.start(), match.end(), pattern)] = match.group()
    ordered = sorted(spans.items(), key=lambda item: (item[0][0], item[0][0] - item[0][1]))  # by start, longest first
    kept: list[_Match] = []
    cover: _Match | None = None  # the kept match that reaches furthest so far
    for (start, end, pattern), word in ordered:
        if cover is not None and end <= cover.end and (start, end) != (cover.start, cover.end):
            if cover.pattern.area != pattern.area:
                continue  # "housing benefit" counts for benefits only, not for housing too
        counted = _Match(pattern, start, end, word)
        kept.append(counted)
        if cover is None or end > cover.end:
            cover = counted
    return kept


_ORDER = {area: n for n, area in enumerate(SERVICE_AREAS)}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[-_/.\s]+")
_SPACES = re.compile(r"[-_/ \t\r\f\v]+")


def name_words(name: str) -> str:
    """A name as words: `GIFramework-Maps` -> "GI Framework Maps", `Escc.Libraries.BranchFinder` likewise."""
    return " ".join(_CAMEL.sub(" ", part) for part in _SEPARATORS.split(name) if part)


def _texts(repo: Repo, prose: str | None) -> tuple[str, str]:
    """(head, body), normalised: name words, description and topics; the README's opening prose."""
    if prose is None:
        prose = markdown_to_text(repo.readme[:README_MARKDOWN_CHARS]) if repo.readme else ""
    head = "\n".join((name_words(repo.name), repo.description, "\n".join(repo.topics)))  # no phrase spans two fields
    return _SPACES.sub(" ", head.lower()), _SPACES.sub(" ", prose[:README_CHARS].lower())


@dataclass
class _Evidence:
    strong: set[int]
    weak: set[int]


def _hits(text: str) -> dict[str, _Evidence]:
    """Per area, the distinct strong and weak patterns found in `text`."""
    found: dict[str, _Evidence] = {}
    for match in _matches(text):
        pattern = match.pattern
        evidence = found.get(pattern.area)
        if evidence is None:
            evidence = found[pattern.area] = _Evidence(set(), set())
        (evidence.weak if pattern.weak else evidence.strong).add(pattern.index)
    return found


def _rank(head: dict[str, _Evidence], body: dict[str, _Evidence]) -> list[tuple[int, str]]:
    """(strength, area) of the assigned areas, strongest first (rules 3 and 4)."""
    scored = []
    for area in head.keys() | body.keys():
        in_head = head.get(area) or _Evidence(set(), set())
        in_body = body.get(area) or _Evidence(set(), set())
        body_strong = in_body.strong - in_head.strong
        assigned = bool(in_head.strong) or (area not in CROSS_CUTTING and len(body_strong) >= BODY_HITS_NEEDED)
        if assigned:
            seen_head = in_head.strong | in_head.weak
            strength = 2 * len(seen_head) + len((in_body.strong | in_body.weak) - seen_head)
            scored.append((strength, area))
    scored.sort(key=lambda item: (-item[0], item[1] in CROSS_CUTTING, _ORDER[item[1]]))
    return scored[:MAX_AREAS]


def service_areas(repo: Repo, *, prose: str | None = None) -> tuple[str, ...]:
    """The item's service areas (0 to `MAX_AREAS` values of `SERVICE_AREAS`), strongest first.

    `prose` is the README's prose when the caller already has it (the indexer does); otherwise
    it is read from `repo.readme` here. The rules are the module docstring's.
    """
    head, body = _texts(repo, prose)
    return tuple(area for _, area in _rank(_hits(head), _hits(body)))


def area_of_query(words: str) -> str | None:
    """The area a search query names ("local authority boundaries" -> maps-and-addresses), or None.

    The query is read as a head: the area with the strongest evidence wins, a specific area
    before a cross-cutting one, then vocabulary order; weak words alone name no area.
    """
    ranked = _rank(_hits(_SPACES.sub(" ", words.lower())), {})
    return ranked[0][1] if ranked else None


def explain(repo: Repo, *, prose: str | None = None) -> dict[str, dict[str, list[str]]]:
    """Which words matched for which area, in "head" and "body" (weak ones marked `~`): for the bench and a reader."""
    out: dict[str, dict[str, list[str]]] = {}
    for where, text in zip(("head", "body"), _texts(repo, prose), strict=True):
        for match in _matches(text):
            word = ("~" if match.pattern.weak else "") + match.text
            pattern = match.pattern
            words = out.setdefault(pattern.area, {}).setdefault(where, [])
            if word not in words:
                words.append(word)
    return out


__all__ = [
    "CROSS_CUTTING",
    "RULES",
    "Rule",
    "SCOPES",
    "SERVICE_AREAS",
    "SERVICE_AREA_LABELS",
    "SERVICE_AREA_TERMS",
    "area_of_query",
    "explain",
    "name_words",
    "service_areas",
]
