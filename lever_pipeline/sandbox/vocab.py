"""Fixed vocabularies the generator draws from: names, places, stages, reasons, templates.

Kept apart from the generator so the data's *shape* (generate/) and its *flavour* (here)
can change independently. Order matters: the generator indexes into these tuples, so
reordering them changes every seed's data.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Hedy",
    "Tim",
    "Shafi",
    "Leslie",
    "Sophie",
    "Guido",
    "Anita",
    "Bjarne",
    "Carol",
    "Yukihiro",
    "Fei-Fei",
    "James",
    "Jean",
    "Niklaus",
    "Mary",
    "Vint",
    "Amara",
    "Diego",
    "Priya",
    "Kwame",
    "Mei",
    "Omar",
    "Ingrid",
    "Tomás",
    "Aiko",
    "Zanele",
)
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Allen",
    "McCarthy",
    "Johnson",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "van Rossum",
    "Borg",
    "Stroustrup",
    "Shaw",
    "Matsumoto",
    "Li",
    "Gosling",
    "Bartik",
    "Wirth",
    "Keller",
    "Cerf",
    "Okafor",
    "Fernández",
    "Raman",
    "Mensah",
    "Chen",
    "Haddad",
    "Larsen",
    "Oliveira",
    "Tanaka",
    "Dlamini",
)
COMPANIES = (
    "Initech",
    "Globex",
    "Umbrella Labs",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Acme",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Wonka Industries",
    "Vandelay Industries",
    "Pied Piper",
)
TITLES = (
    "Software Engineer",
    "Senior Software Engineer",
    "Data Engineer",
    "Product Manager",
    "Designer",
    "Engineering Manager",
    "Data Scientist",
    "Account Executive",
    "Recruiter",
    "Support Specialist",
)
SCHOOLS = ("MIT", "Stanford", "ETH Zürich", "University of Lagos", "IIT Bombay", "Tsinghua", "TU Delft")
DEGREES = ("BSc", "MSc", "PhD", "BA", "MBA")
DOMAINS = ("example.com", "mail.example.org", "example.net")
CITIES = (
    "San Francisco, CA",
    "New York, NY",
    "Austin, TX",
    "London, UK",
    "Berlin, Germany",
    "Toronto, Canada",
    "Remote",
    "Lisbon, Portugal",
    "Singapore",
    "Sydney, Australia",
)
TIMEZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Singapore")

TEAMS = ("Engineering", "Product", "Design", "Sales", "Marketing", "Operations", "People", "Finance")
DEPARTMENTS = ("Research & Development", "Go To Market", "General & Administrative")
COMMITMENTS = ("Full-time", "Part-time", "Contract", "Internship")
LEVELS = ("Junior", "Mid", "Senior", "Staff", None)
WORKPLACE_TYPES = ("unspecified", "remote", "on-site", "hybrid")
POSTING_STATES = ("published", "internal", "closed", "draft", "pending", "rejected")
POSTING_STATE_WEIGHTS = (50, 15, 15, 10, 5, 5)

TAGS = (
    "Referral",
    "Priority",
    "Silver medalist",
    "Boomerang",
    "Diversity outreach",
    "Conference",
    "Python",
    "Go",
    "Rust",
    "TypeScript",
    "Leadership",
    "Remote OK",
    "Visa needed",
    "Relocation",
    "Hackathon",
    "Open source",
    "Returner",
    "Campus",
    "Executive",
    "Contractor",
)
SOURCES = (
    "LinkedIn",
    "Referral",
    "Company website",
    "Indeed",
    "AngelList",
    "GitHub",
    "Agency",
    "Conference",
    "Hacker News",
    "Stack Overflow",
)
ORIGINS = ("agency", "applied", "internal", "referred", "sourced", "university")
ORIGIN_WEIGHTS = (5, 45, 5, 15, 25, 5)
ACCESS_ROLES = ("super admin", "admin", "team member", "limited team member", "interviewer")
ACCESS_ROLE_WEIGHTS = (2, 8, 40, 15, 35)

#: (id or None for a generated uuid, text). The fixed ids are Lever's built-in stages.
STAGES = (
    ("lead-new", "New lead"),
    ("lead-reached-out", "Reached out"),
    ("lead-responded", "Responded"),
    ("applicant-new", "New applicant"),
    (None, "Recruiter screen"),
    (None, "Phone interview"),
    (None, "Hiring manager screen"),
    (None, "Take-home assignment"),
    (None, "On-site interview"),
    (None, "Reference check"),
    ("offer", "Offer"),
    (None, "Hired"),
)
#: How likely each stage is as an opportunity's current stage (same order as STAGES).
STAGE_WEIGHTS = (14, 8, 5, 22, 12, 9, 7, 5, 7, 4, 4, 3)

#: (text, type). Lever always has a "Hired" reason of type "hired".
ARCHIVE_REASONS = (
    ("Hired", "hired"),
    ("Underqualified", "non-hired"),
    ("Withdrew", "non-hired"),
    ("Position filled", "non-hired"),
    ("Timing", "non-hired"),
    ("Unresponsive", "non-hired"),
    ("Compensation mismatch", "non-hired"),
    ("Went with another candidate", "non-hired"),
)

SCORE_SYSTEM_OPTIONS = ("4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire")

# Feedback templates: (text, instructions, stage index or None, fields). Each field is
# (type, text, required, extra). Together they use every feedback field type Lever has;
# each has exactly one score-system field, as Lever requires.
TEMPLATES = (
    (
        "Phone screen",
        "Keep it short: motivation, logistics, communication.",
        5,
        (
            ("score-system", "Overall rating", True, {}),
            ("textarea", "Summary", True, {}),
            ("yes-no", "Would you move forward?", True, {}),
            ("multiple-choice", "Communication", False, {"options": ("Excellent", "Good", "Fair", "Poor")}),
        ),
    ),
    (
        "Technical interview",
        "Rate the candidate on the problem you set.",
        8,
        (
            ("score-system", "Overall rating", True, {}),
            ("code", "Solution", False, {"language": "python"}),
            ("scorecard", "Skills", True, {"scores": ("Problem solving", "Code quality", "Testing")}),
            ("score", "Technical depth", False, {}),
            ("textarea", "Notes", False, {}),
        ),
    ),
    (
        "Hiring manager interview",
        "Focus on team fit and scope.",
        6,
        (
            ("score-system", "Overall rating", True, {}),
            ("dropdown", "Team fit", True, {"options": ("Great fit", "Good fit", "Unsure", "Poor fit")}),
            (
                "multiple-select",
                "Strengths",
                False,
                {"options": ("Ownership", "Craft", "Mentoring", "Speed", "Clarity")},
            ),
            ("text", "Main concern", False, {}),
        ),
    ),
    (
        "Offer debrief",
        "Capture what the offer needs.",
        10,
        (
            ("score-system", "Overall rating", True, {}),
            ("currency", "Expected salary", True, {"currency": "USD"}),
            ("date", "Earliest start date", False, {}),
            ("yes-no", "Counter-offer risk?", False, {}),
        ),
    ),
    (
        "On-site interview",
        "One form per interviewer.",
        8,
        (
            ("score-system", "Overall rating", True, {}),
            ("scorecard", "Competencies", False, {"scores": ("Collaboration", "Execution", "Growth")}),
            ("multiple-choice", "Seniority", False, {"options": ("Junior", "Mid", "Senior", "Staff")}),
            ("textarea", "Evidence", True, {}),
        ),
    ),
    (
        "Take-home assignment review",
        "Review the submitted assignment.",
        7,
        (
            ("score-system", "Overall rating", True, {}),
            ("code", "Excerpt worth discussing", False, {"language": "javascript"}),
            ("score", "Code quality", True, {}),
            ("date", "Submitted on", False, {}),
            ("textarea", "Review", False, {}),
        ),
    ),
    (
        "Reference check",
        "Ask at least two references the same questions.",
        9,
        (
            ("score-system", "Overall rating", True, {}),
            ("text", "Reference name", True, {}),
            ("dropdown", "Would rehire", False, {"options": ("Yes", "Maybe", "No")}),
            ("yes-no", "Any red flags?", False, {}),
        ),
    ),
)

NOTE_TEXTS = (
    "Strong background, schedule a screen.",
    "Asked to reconnect next quarter.",
    "Great conversation about the team's roadmap.",
    "Salary expectations above band; discuss with HM.",
    "Prefers remote; open to quarterly travel.",
    "Referred by a former colleague.",
)
FEEDBACK_TEXTS = (
    "Clear thinker, good questions.",
    "Struggled with the second part but recovered.",
    "Excellent communication, would love to work with them.",
    "Not enough depth for this level.",
    "Solid fundamentals, a bit slow.",
)

# ---------------------------------------------------------------- drawn by generate/extras.py
# (appended after everything above, and drawn from a stream of their own, so the objects the
# generator made before requisitions, referrals and profile forms existed keep their bytes)

#: Requisition custom fields: (id, text, type, isRequired, extra). Lever's types are number,
#: text, date, object (with subfields) and dropdown (with options) [REFERENCE.md]; the ids
#: follow the docs' examples (`cost_center`, `target_hire_date`) and a recorded account's
#: (`rec_start_date`).
REQUISITION_FIELDS = (
    (
        "cost_center",
        "Cost Center",
        "object",
        False,
        {"subfields": (("city", "City", "text"), ("campus_code", "Campus code", "text"))},
    ),
    ("target_hire_date", "Target Hire Date", "date", False, {}),
    ("rec_start_date", "Recruiting Start Date", "date", False, {}),
    ("hiring_reason", "Hiring reason", "dropdown", False, {"options": ("Growth", "Backfill", "Replacement")}),
    ("budgeted_salary", "Budgeted salary", "number", False, {}),
    ("finance_notes", "Notes for finance", "text", False, {}),
)
REQUISITION_NOTES = (
    "",
    "",
    "Junior and senior needed",
    "Timeline for hire is 6 months",
    "Budget approved for this year",
)
CAMPUS_CODES = ("1", "2", "3", "9")

#: Profile form templates: (text, instructions, fields). Fields as in TEMPLATES, drawn from
#: the types profile forms use. The first is the referral form every referral fills in.
FORM_TEMPLATES = (
    (
        "Referral",
        "Tell us about the person you are referring.",
        (
            ("text", "Relationship", True, {}),
            (
                "dropdown",
                "How strongly do you recommend them?",
                True,
                {"options": ("Very strongly", "Strongly", "Somewhat")},
            ),
            ("textarea", "Why are they a good fit?", False, {}),
        ),
    ),
    (
        "Scheduling guidelines",
        "Anything coordinators should know before booking interviews.",
        (
            ("textarea", "Availability", True, {}),
            ("yes-no", "Needs travel booked?", False, {}),
            ("date", "Earliest interview date", False, {}),
        ),
    ),
    (
        "Competing offers",
        "Record offers the candidate has from elsewhere.",
        (
            ("text", "Company", True, {}),
            ("currency", "Base salary", False, {"currency": "USD"}),
            (
                "multiple-choice",
                "Stage of the other process",
                False,
                {"options": ("Interviewing", "Offer", "Accepted")},
            ),
        ),
    ),
)
REFERRAL_RELATIONSHIPS = ("Former colleague", "Friend", "Classmate", "Met at a conference", "Open-source collaborator")
REFERRAL_REASONS = (
    "We shipped a hard migration together; they led it.",
    "Great mentor, raised the bar on every team.",
    "Deep domain knowledge we are missing.",
)
