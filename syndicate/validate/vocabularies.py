"""Controlled vocabularies the rules check values against: data only, no logic.

- EBU role codes, the vocabulary of ``media:credit`` under its default scheme
  ``urn:ebu`` (Media RSS 1.5.1, <media:credit>; EBU Tech 3293 role codes).
- ISO 3166-1 alpha-2 country codes (``media:restriction type="country"``), with
  the exceptionally reserved UK and EU and the user-assigned XK that feeds use.
- Apple Podcasts categories: the list Apple publishes now (2019 and later), the
  one before it (2012-2019) and the first (2005), which Apple maps on its own.
"""

from __future__ import annotations

from .values import words


def _lines(text: str) -> frozenset[str]:
    """Return the non-blank lines of ``text``, stripped (for names with spaces)."""
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


EBU_ROLES = _lines(
    """
    actor
    adaptor
    anchor person
    animal trainer
    animator
    announcer
    armourer
    art director
    artist
    assistant camera
    assistant chief lighting technician
    assistant director
    assistant producer
    assistant visual editor
    author
    broadcast assistant
    broadcast journalist
    camera operator
    carpenter
    casting
    causeur
    chief lighting technician
    choir
    choreographer
    clapper loader
    commentary or commentator
    commissioning broadcaster
    composer
    computer programmer
    conductor
    consultant
    continuity checker
    correspondent
    costume designer
    dancer
    dialogue coach
    director
    director of photography
    distribution company
    draughtsman
    dresser
    dubber
    editor
    ensemble
    executive producer
    expert
    fight director
    floor manager
    focus puller
    foley artist
    foley editor
    foley mixer
    graphic assistant
    graphic designer
    greensman
    grip
    hairdresser
    illustrator
    interviewed guest
    interviewer
    key character
    key grip
    key talents
    leadman
    librettist
    lighting director
    lighting technician
    location manager
    lyricist
    make up artist
    manufacturer
    matte artist
    music arranger
    music group
    musician
    news reader
    orchestra
    participant
    photographer
    post
    producer
    production assistant
    production company
    production department
    production manager
    production secretary
    programme production researcher
    property manager
    publishing company
    puppeteer
    pyrotechnician
    reporter
    rigger
    runner
    scenario
    scenic operative
    script supervisor
    second assistant camera
    second assistant director
    second unit director
    set designer
    set dresser
    sign language
    singer
    sound designer
    sound mixer
    sound recordist
    special effects
    stunts
    subtitles
    technical director
    term
    translation
    transportation manager
    treatment
    vision mixer
    visual editor
    visual effects
    wardrobe
    witness
    """
)

ISO3166 = words(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN
    BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE
    DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN
    GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE
    KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA
    PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK
    SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
    UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW UK EU XK"""
)

Categories = dict[str, frozenset[str]]

#: Apple Podcasts categories as Apple lists them today (since August 2019)
ITUNES_CATEGORIES: Categories = {
    "Arts": _lines(
        """Books
        Design
        Fashion & Beauty
        Food
        Performing Arts
        Visual Arts"""
    ),
    "Business": _lines(
        """Careers
        Entrepreneurship
        Investing
        Management
        Marketing
        Non-Profit"""
    ),
    "Comedy": _lines(
        """Comedy Interviews
        Improv
        Stand-Up"""
    ),
    "Education": _lines(
        """Courses
        How To
        Language Learning
        Self-Improvement"""
    ),
    "Fiction": _lines(
        """Comedy Fiction
        Drama
        Science Fiction"""
    ),
    "Government": frozenset(),
    "History": frozenset(),
    "Health & Fitness": _lines(
        """Alternative Health
        Fitness
        Medicine
        Mental Health
        Nutrition
        Sexuality"""
    ),
    "Kids & Family": _lines(
        """Education for Kids
        Parenting
        Pets & Animals
        Stories for Kids"""
    ),
    "Leisure": _lines(
        """Animation & Manga
        Automotive
        Aviation
        Crafts
        Games
        Hobbies
        Home & Garden
        Video Games"""
    ),
    "Music": _lines(
        """Music Commentary
        Music History
        Music Interviews"""
    ),
    "News": _lines(
        """Business News
        Daily News
        Entertainment News
        News Commentary
        Politics
        Sports News
        Tech News"""
    ),
    "Religion & Spirituality": _lines(
        """Buddhism
        Christianity
        Hinduism
        Islam
        Judaism
        Religion
        Spirituality"""
    ),
    "Science": _lines(
        """Astronomy
        Chemistry
        Earth Sciences
        Life Sciences
        Mathematics
        Natural Sciences
        Nature
        Physics
        Social Sciences"""
    ),
    "Society & Culture": _lines(
        """Documentary
        Personal Journals
        Philosophy
        Places & Travel
        Relationships"""
    ),
    "Sports": _lines(
        """Baseball
        Basketball
        Cricket
        Fantasy Sports
        Football
        Golf
        Hockey
        Rugby
        Running
        Soccer
        Softball
        Swimming
        Tennis
        Volleyball
        Wilderness
        Wrestling"""
    ),
    "Technology": frozenset(),
    "True Crime": frozenset(),
    "TV & Film": _lines(
        """After Shows
        Film History
        Film Interviews
        Film Reviews
        TV Reviews"""
    ),
}

#: the lists Apple used before, whose names it still maps onto the current list
ITUNES_RETIRED: tuple[Categories, ...] = (
    {  # 2012-2019
        "Arts": _lines(
            """Design
            Fashion & Beauty
            Food
            Literature
            Performing Arts
            Visual Arts"""
        ),
        "Business": _lines(
            """Business News
            Careers
            Investing
            Management & Marketing
            Shopping"""
        ),
        "Comedy": frozenset(),
        "Education": _lines(
            """Education
            Educational Technology
            Education Technology
            Higher Education
            K-12
            Language Courses
            Training"""
        ),
        "Games & Hobbies": _lines(
            """Automotive
            Aviation
            Hobbies
            Other Games
            Video Games"""
        ),
        "Government & Organizations": _lines(
            """Local
            National
            Non-Profit
            Regional"""
        ),
        "Health": _lines(
            """Alternative Health
            Fitness & Nutrition
            Self-Help
            Sexuality"""
        ),
        "Kids & Family": frozenset(),
        "Music": frozenset(),
        "News & Politics": frozenset(),
        "Religion & Spirituality": _lines(
            """Buddhism
            Christianity
            Hinduism
            Islam
            Judaism
            Other
            Spirituality"""
        ),
        "Science & Medicine": _lines(
            """Medicine
            Natural Sciences
            Social Sciences"""
        ),
        "Society & Culture": _lines(
            """History
            Personal Journals
            Philosophy
            Places & Travel"""
        ),
        "Sports & Recreation": _lines(
            """Amateur
            College & High School
            Outdoor
            Professional"""
        ),
        "Technology": _lines(
            """Gadgets
            Tech News
            Podcasting
            Software How-To"""
        ),
        "TV & Film": frozenset(),
    },
    {  # 2005-2012
        "Arts & Entertainment": _lines(
            """Architecture
            Books
            Design
            Entertainment
            Games
            Performing Arts
            Photography
            Poetry
            Science Fiction"""
        ),
        "Audio Blogs": frozenset(),
        "Business": _lines(
            """Careers
            Finance
            Investing
            Management
            Marketing"""
        ),
        "Comedy": frozenset(),
        "Education": _lines(
            """Higher Education
            K-12"""
        ),
        "Family": frozenset(),
        "Food": frozenset(),
        "Health": _lines(
            """Diet & Nutrition
            Fitness
            Relationships
            Self-Help
            Sexuality"""
        ),
        "International": words(
            """Australian Belgian Brazilian Canadian Chinese Dutch French German Hebrew Italian
            Japanese Norwegian Polish Portuguese Spanish Swedish"""
        ),
        "Movies & Television": frozenset(),
        "Music": frozenset(),
        "News": frozenset(),
        "Politics": frozenset(),
        "Public Radio": frozenset(),
        "Religion & Spirituality": _lines(
            """Buddhism
            Christianity
            Islam
            Judaism
            New Age
            Philosophy
            Spirituality"""
        ),
        "Science": frozenset(),
        "Sports": frozenset(),
        "Talk Radio": frozenset(),
        "Technology": _lines(
            """Computers
            Developers
            Gadgets
            Information Technology
            News
            Operating Systems
            Podcasting
            Smart Phones
            Text/Speech"""
        ),
        "Transportation": _lines(
            """Automotive
            Aviation
            Bicycles
            Commuting"""
        ),
        "Travel": frozenset(),
    },
)

#: every name any list has used, top level or below (to tell misplaced from unknown)
ITUNES_ANY_NAME = frozenset(
    name
    for lists in ((ITUNES_CATEGORIES,), ITUNES_RETIRED)
    for table in lists
    for top, subs in table.items()
    for name in (top, *subs)
)
