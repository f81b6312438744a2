"""A realistic program of twenty people for the matching tests: ten mentors and ten
mentees, where the best fit of four pairs is barred (one manages the other) and of two more is a
repeat (they were paired last time, PAST)."""

from bot.policy.matching import Candidate

AMARA = Candidate(
    1,
    "Amara",
    teaches=("tiktok", "short video", "instagram", "analytics"),
    interests=("football", "cooking"),
    manager_id=11,  # reports to Karen, who wants exactly what Amara teaches
)
BEN = Candidate(
    2,
    "Ben",
    teaches=("figma", "prototyping", "design systems", "accessibility"),
    interests=("photography",),
    manager_id=12,  # reports to Lars, who wants exactly what Ben teaches
)
CHLOE = Candidate(
    3,
    "Chloe",
    teaches=("genai tools", "prompt writing", "python", "automation"),
    interests=("chess",),
)
DEV = Candidate(
    4,
    "Dev",
    teaches=("customer interviews", "user research", "survey design", "analytics"),
    interests=("running",),
)
ELIF = Candidate(
    5,
    "Elif",
    teaches=("inclusion", "inclusive language", "accessibility", "employee networks"),
    interests=("jazz", "hiking"),
)
FINN = Candidate(
    6,
    "Finn",
    teaches=("excel", "power bi", "analytics", "data storytelling", "dashboards"),
    interests=("cycling",),
    manager_id=17,  # reports to Quentin, who wants dashboards and data storytelling
)
GRACE = Candidate(
    7,
    "Grace",
    teaches=("linkedin", "personal branding", "podcasting", "newsletter writing"),
    interests=("podcasts",),
)
HUGO = Candidate(
    8,
    "Hugo",
    teaches=("slack", "notion", "remote collaboration", "async communication"),
    interests=("board games",),
)
INES = Candidate(
    9,
    "Ines",
    teaches=("genai tools", "chatgpt", "image generation", "copywriting"),
    interests=("painting",),
)
JONAS = Candidate(
    10,
    "Jonas",
    teaches=("python", "sql", "dashboards", "automation", "analytics"),
    interests=("cycling", "chess"),
)

KAREN = Candidate(
    11,
    "Karen",
    learns=("tiktok", "instagram", "short video", "analytics"),
    interests=("cooking",),
)
LARS = Candidate(
    12,
    "Lars",
    learns=("figma", "prototyping", "design systems", "prompt writing"),
    interests=("photography",),
)
MARIA = Candidate(
    13,
    "Maria",
    learns=("genai tools", "prompt writing", "automation", "accessibility"),
    interests=("chess",),
)
NADIA = Candidate(
    14,
    "Nadia",
    learns=("customer interviews", "user research", "survey design", "analytics"),
    interests=("running",),
    manager_id=4,  # the other direction: Nadia's manager is Dev, the best teacher for her
)
OSKAR = Candidate(
    15,
    "Oskar",
    learns=("inclusion", "inclusive language", "accessibility"),
    interests=("jazz",),
)
PETRA = Candidate(
    16,
    "Petra",
    learns=("power bi", "excel", "data storytelling", "dashboards", "analytics"),
    interests=("cycling",),
)
QUENTIN = Candidate(
    17,
    "Quentin",
    learns=("dashboards", "data storytelling", "linkedin", "personal branding"),
    interests=("cycling",),
)
ROSA = Candidate(
    18,
    "Rosa",
    learns=("notion", "async communication", "slack"),
    interests=("board games",),
)
SVEN = Candidate(
    19,
    "Sven",
    learns=("chatgpt", "image generation", "copywriting", "genai tools"),
    interests=("painting",),
)
TOMAS = Candidate(
    20,
    "Tomas",
    learns=("knitting", "sailing"),
    interests=("sailing",),
)

MENTORS = [AMARA, BEN, CHLOE, DEV, ELIF, FINN, GRACE, HUGO, INES, JONAS]
MENTEES = [KAREN, LARS, MARIA, NADIA, OSKAR, PETRA, QUENTIN, ROSA, SVEN, TOMAS]
MANAGER_PAIRS = [(AMARA, KAREN), (BEN, LARS), (FINN, QUENTIN), (DEV, NADIA)]
# Chloe and Maria, and Finn and Petra, were each other's best fit last time.
PAST = {frozenset({CHLOE.id, MARIA.id}), frozenset({FINN.id, PETRA.id})}
