# ruff: noqa: E501  phrase banks: one sentence a line reads better than wrapped strings
"""A generator of realistic free-text answers for the demo: the corpus analysts run themes on.

Answers are composed from phrase banks around twelve themes that OH and wellbeing staff,
leads, clinicians, system leaders and partners raise again and again. Each answer picks a
voice (its stakeholder group), a sentiment, a length and one or two themes, then joins an
opener, one to four statements (problems, things that work, suggestions, concrete details)
and sometimes a closer, so no two read alike. A few are non-answers ("n/a"), and a few carry
personal data (a name, a phone number, an e-mail address, a postcode, an NHS number) so
redaction has something to do. Everything hangs off one ``random.Random``: the same seed
gives the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

THEMES: dict[str, dict[str, list[str]]] = {
    "access": {
        "label": ["Access to occupational health services"],
        "problem": [
            "Staff wait six to eight weeks for an OH appointment, by which time a short absence has become a long one",
            "Night staff and weekend workers cannot get hold of OH at all because the service runs nine to five, Monday to Friday",
            "Bank and agency staff fall through the gaps: nobody is sure whether they are entitled to OH support",
            "Primary care staff have no access to an occupational health service unless their practice pays for one privately",
            "The referral form is long and confusing, so managers give up or send it back half complete",
            "Our OH service is on one site and staff at the community hospitals have to travel an hour for a ten-minute appointment",
            "People do not know what OH offers beyond immunisations and pre-employment checks",
            "Self-referral is not allowed, so if your manager is the problem you have nowhere to go",
        ],
        "positive": [
            "Since we opened self-referral, staff come to us earlier and the conversations are much easier",
            "The virtual clinics have made OH far more reachable for staff on our rural sites",
            "Having an OH nurse on the wards once a week has done more for trust in the service than any leaflet",
            "A single front door for OH and wellbeing means staff no longer bounce between teams",
        ],
        "suggestion": [
            "Every member of NHS staff, including primary care and bank staff, should have a guaranteed route into OH",
            "Offer evening and early-morning clinics so shift workers can actually attend",
            "Let staff self-refer, with the manager informed only when the person agrees",
            "Publish a simple menu of what OH can do and how quickly, so managers and staff know what to expect",
        ],
        "detail": [
            "On our last audit the median wait was 37 days",
            "Half of our porters and domestics had never heard of the service",
            "We cover 14 GP practices with one part-time nurse",
            "Around a third of referrals arrive without the information we need",
        ],
    },
    "mental_health": {
        "label": ["Mental health and psychological support"],
        "problem": [
            "The waiting list for staff counselling is now over twelve weeks, which is no use to someone in crisis",
            "After a traumatic incident on the ward there is no structured debrief, people just go back to work",
            "The employee assistance programme is a phone line staff do not trust and rarely use",
            "Burnout is everywhere in ED and ICU and we are treating it one person at a time",
            "Staff worry that asking for psychological help will count against them at work",
            "Our staff mental health hub lost its funding and nothing replaced it",
        ],
        "positive": [
            "Schwartz rounds have changed the culture in our team; people talk about how they feel now",
            "Trauma risk management practitioners on each site mean someone checks in after a difficult shift",
            "The fast-track to psychology for staff has kept several nurses in work who would otherwise have left",
            "Peer support after serious incidents is the single most valued thing we offer",
        ],
        "suggestion": [
            "Bring back the staff mental health hubs and fund them recurrently rather than year by year",
            "Make a post-incident debrief standard practice, led by trained colleagues, within 72 hours",
            "Give OH direct access to clinical psychology for staff rather than routing them through their GP",
            "Train wellbeing champions properly and give them protected time, not just a badge",
        ],
        "detail": [
            "Our sickness absence for anxiety, stress and depression has doubled in three years",
            "We had four staff suicides across the system in two years",
            "Uptake of the EAP is under two per cent",
            "Two in five of our nurses scored high on the burnout scale",
        ],
    },
    "msk": {
        "label": ["Musculoskeletal health and physiotherapy access"],
        "problem": [
            "Back and neck problems are our biggest cause of long absence and staff wait months for physio through the GP",
            "Healthcare assistants and porters do heavy manual handling with little training refresh",
            "There is no fast-track physio for staff, so people are off for weeks with something that could be treated in days",
            "Manual handling equipment is often missing or broken on the wards",
        ],
        "positive": [
            "Self-referral to staff physiotherapy has cut musculoskeletal absence noticeably in a year",
            "The ergonomic assessments for people working from home have really helped the admin teams",
            "Our in-house physio sees staff within five working days and most stay at work while they recover",
        ],
        "suggestion": [
            "Every trust should offer fast-track physiotherapy for staff, it pays for itself",
            "Build MSK prevention into induction and annual training for clinical support staff",
            "Offer phased returns with adjusted duties as standard after MSK injuries",
        ],
        "detail": [
            "MSK accounts for about a quarter of our sickness absence",
            "Each week of physio waiting costs us a shift of cover",
            "We saw 600 staff through the physio service last year",
        ],
    },
    "managers": {
        "label": ["Manager capability and training"],
        "problem": [
            "Line managers are not trained to have wellbeing conversations and many avoid them",
            "Managers apply the sickness absence policy as a disciplinary process rather than a supportive one",
            "Ward managers have no time for their team's wellbeing when they are counting staff every shift",
            "Reasonable adjustments depend entirely on how enlightened your manager happens to be",
            "Newly promoted band 7s get no training at all on supporting people with health conditions",
        ],
        "positive": [
            "Our manager toolkit for return-to-work conversations has had really good feedback",
            "Managers who did the mental health first aid course refer earlier and more appropriately",
            "Including OH in the leadership programme has built relationships with managers across the trust",
        ],
        "suggestion": [
            "Make training in wellbeing conversations mandatory for anyone who manages people",
            "Give managers clear, simple guidance on reasonable adjustments and a budget to make them",
            "Measure managers on how well their teams are supported, not only on absence rates",
            "Create a manager advice line in OH so they can ask before things escalate",
        ],
        "detail": [
            "Only a fifth of our managers have done any wellbeing training",
            "Most referrals come after the third absence meeting, far too late",
            "In the staff survey a third said their manager had not asked about their health",
        ],
    },
    "workforce": {
        "label": ["The OH workforce: shortages and skills"],
        "problem": [
            "We cannot recruit occupational health physicians, we have had a vacancy for two years",
            "The OH nursing workforce is ageing and there is no pipeline coming through",
            "OH specialist training places are far too few for the size of the NHS workforce",
            "We rely on locum OH doctors which is expensive and breaks continuity",
            "Our OH team is the same size as ten years ago while the trust has grown by forty per cent",
        ],
        "positive": [
            "Bringing physiotherapists, psychologists and nurses into one multidisciplinary OH team has worked well",
            "Our OH technicians have freed nurses for the complex cases",
            "Sharing an OH physician across three trusts has given us cover we could never afford alone",
        ],
        "suggestion": [
            "Fund more OH training posts and a clear career pathway for OH nurses",
            "Recognise occupational health as a shortage specialty in workforce planning",
            "Develop OH roles for allied health professionals, not only doctors and nurses",
            "Share specialist OH staff across the system rather than every trust competing for them",
        ],
        "detail": [
            "We have 1.2 whole-time equivalent OH physicians for 11,000 staff",
            "Three of our five OH nurses will retire in the next four years",
            "Agency OH cover costs us twice the salary rate",
        ],
    },
    "funding": {
        "label": ["Funding and commissioning"],
        "problem": [
            "OH is funded from whatever is left in the corporate budget and it is the first thing cut",
            "Wellbeing money comes in short-term pots, so every good initiative stops after a year",
            "Each trust commissions OH differently, there is no standard of what should be provided",
            "The EAP contract was chosen on price, not quality, and staff can tell",
            "Primary care networks have no funding line for occupational health at all",
        ],
        "positive": [
            "The national wellbeing funding let us pilot things we now cannot imagine doing without",
            "Our ICS pooled budget for OH means small providers finally get a service",
        ],
        "suggestion": [
            "Give OH recurrent, ring-fenced funding linked to the size of the workforce",
            "Agree a national core offer for OH so commissioners know what to buy",
            "Commission OH at system level so GP practices, hospices and community providers are covered",
            "Show the return on investment: every pound on OH saves far more in absence and turnover",
        ],
        "detail": [
            "Our OH budget is less than 0.1 per cent of the pay bill",
            "The hub funding ended in March and we lost six posts",
            "We spend more on agency cover for sickness in a month than on OH in a year",
        ],
    },
    "digital": {
        "label": ["Data and digital systems"],
        "problem": [
            "Our OH system does not talk to ESR so we re-key every referral by hand",
            "We have no reliable data on why people are off sick, the reason codes are meaningless",
            "Staff health records are still partly on paper and move between sites in a van",
            "Every trust collects different OH data so there is no way to compare or learn",
            "Booking an OH appointment still involves three phone calls and an email",
        ],
        "positive": [
            "The new online referral portal has halved the time referrals take to reach us",
            "Our wellbeing dashboard finally lets the board see absence by cause and by team",
            "Digital immunisation records meant we could respond to the measles outbreak in days",
        ],
        "suggestion": [
            "Agree a minimum OH dataset nationally and make the systems share it",
            "Link OH records with ESR so starters and movers are picked up automatically",
            "Let staff book and see their own OH appointments and records online",
            "Use the data to target prevention, not just to count absence",
        ],
        "detail": [
            "We run four separate spreadsheets to produce one monthly report",
            "Twenty per cent of our absence is coded as unknown",
            "The OH software contract is fifteen years old",
        ],
    },
    "flexible_working": {
        "label": ["Flexible working and work-life balance"],
        "problem": [
            "Flexible working requests are refused on the wards as a matter of course",
            "Rotas are published two weeks ahead, so people cannot plan childcare or their lives",
            "Staff routinely stay an hour after their shift without breaks, it has become normal",
            "Part-time staff feel they are penalised when it comes to training and promotion",
            "Long shifts with no proper rest area are grinding people down",
        ],
        "positive": [
            "Self-rostering on our unit has improved retention more than any pay incentive",
            "Team-based flexible working has kept experienced nurses who were about to retire",
            "Protected breaks and a proper staff room have made a visible difference to morale",
        ],
        "suggestion": [
            "Publish rotas at least six weeks ahead and honour them",
            "Make flexible working the default for every role unless there is a real reason not to",
            "Treat rest breaks as a patient safety issue and audit them",
            "Offer retire-and-return and phased retirement more flexibly",
        ],
        "detail": [
            "Forty per cent of our leavers cite work-life balance",
            "Most of our nurses work at least one extra unpaid hour a shift",
            "Only one in ten flexible working requests on the wards was agreed last year",
        ],
    },
    "menopause": {
        "label": ["Menopause support"],
        "problem": [
            "Women going through the menopause feel embarrassed to raise it with their manager",
            "Uniforms are hot and heavy and there is nowhere cool to take a break",
            "Menopause is still treated as a joke in some departments",
            "Staff with menopause symptoms are being managed through the sickness absence policy",
        ],
        "positive": [
            "Our menopause café has been one of the most popular things we have ever run",
            "The menopause policy and a trained menopause champion in each division have made it normal to talk about",
            "Simple things like desk fans and cotton uniforms have made a big difference",
        ],
        "suggestion": [
            "Every organisation should have a menopause policy and trained managers",
            "Offer breathable uniforms and access to cool rest spaces as standard",
            "Record menopause-related absence separately so it is not counted against people",
        ],
        "detail": [
            "Most of our workforce is female and a large share are over forty-five",
            "We lost three experienced midwives last year who told us menopause was a factor",
        ],
    },
    "inequalities": {
        "label": ["Health inequalities in the workforce"],
        "problem": [
            "Estates, facilities and domestic staff have the worst health and the least access to support",
            "Staff from ethnic minority backgrounds are less likely to be referred to OH and more likely to be disciplined",
            "International recruits arrive with no GP, no family nearby and little idea what support exists",
            "Lower-paid staff cannot attend wellbeing events that are held in paid time for others",
            "Information about OH is only on the intranet, which many support staff never see",
        ],
        "positive": [
            "Taking OH to the night shift and the laundry reached people who had never used us",
            "Our wellbeing offer translated into the main languages spoken by staff has increased uptake",
        ],
        "suggestion": [
            "Target OH and wellbeing at the staff groups with the worst health, not those who shout loudest",
            "Collect OH data by ethnicity, band and role so we can see who is missing out",
            "Give international recruits a dedicated OH contact and a proper health welcome",
            "Make sure lower-banded staff get paid time to attend health checks and wellbeing sessions",
        ],
        "detail": [
            "Sickness absence in facilities is nearly double the trust average",
            "Band 2 and 3 staff made up eight per cent of OH self-referrals but a third of the workforce",
        ],
    },
    "physical_activity": {
        "label": ["Physical activity and healthy workplaces"],
        "problem": [
            "There is nowhere to get a healthy hot meal on a night shift",
            "Staff are too exhausted after a shift for any of the activity offers to be realistic",
            "Car parking costs and no secure bike storage put people off active travel",
        ],
        "positive": [
            "The lunchtime walking groups have become a real community",
            "Free gym access through the trust has been well used, especially by younger staff",
            "Our on-site physio-led exercise classes help people recovering from injury stay active",
        ],
        "suggestion": [
            "Provide healthy food around the clock, not just nine to five",
            "Build activity into the working day, such as walking meetings and stretch breaks",
            "Invest in showers, lockers and bike storage to support active travel",
        ],
        "detail": [
            "Our staff canteen closes at 7pm",
            "Two hundred staff signed up to the step challenge in its first week",
        ],
    },
    "financial": {
        "label": ["Financial wellbeing"],
        "problem": [
            "More staff are using food banks and some are sleeping in their cars between shifts",
            "Money worries are behind a lot of the stress we see in OH, but we cannot fix them",
            "Parking charges and travel costs take a big bite out of the lowest pay bands",
            "Staff are taking on extra bank shifts to pay the bills and burning out",
        ],
        "positive": [
            "The salary advance scheme has helped people avoid payday lenders",
            "Free breakfast for night staff was small but people really noticed it",
            "Partnering with the credit union has given staff somewhere safe to turn",
        ],
        "suggestion": [
            "Include financial wellbeing in the OH and wellbeing offer, with proper advice services",
            "Offer free or subsidised parking and travel for lower-paid staff",
            "Make hardship funds easy and dignified to access",
        ],
        "detail": [
            "Our staff hardship fund was used by more than three hundred people last winter",
            "One in six respondents to our pulse survey had skipped meals to save money",
        ],
    },
}

THEME_KEYS = list(THEMES)

# Who speaks, and how they open. Keys are stakeholder group names.
VOICES: dict[str, list[str]] = {
    "OH lead": ["As an OH lead,", "From where I sit running an OH service,",
                "Speaking for our occupational health team,", "In our OH service,"],
    "Wellbeing lead": ["As the trust's wellbeing lead,", "In my wellbeing role,",
                       "From the wellbeing side,", "What I see as a wellbeing lead is that"],
    "OH clinician": ["As an OH nurse,", "In clinic I see it every week:",
                     "As an occupational health physician,", "From a clinical point of view,"],
    "Allied health professional": ["As a physiotherapist,", "Speaking as an AHP,",
                                   "As an occupational therapist working with staff,"],
    "Service user": ["When I needed OH myself,", "As a nurse who has used the service,",
                     "Speaking as a healthcare assistant,", "As someone who works nights,"],
    "Organisational leader": ["As a director of people,", "From a board perspective,",
                              "As a chief nurse,", "In our organisation,"],
    "System leader": ["From a system perspective,", "Across our ICS,",
                      "Looking across the region,", "At system level,"],
    "Academic": ["The evidence is fairly clear:", "From the research we have done,",
                 "Looking at the literature,"],
    "Partner organisation": ["From a trade union point of view,", "Our members tell us that",
                             "As a partner organisation,", "Speaking for the hospice sector,"],
    "Other": ["Honestly,", "For what it is worth,", "In my experience,"],
}  # fmt: skip

CLOSERS = {
    "negative": ["Something has to change.", "It is not sustainable.",
                 "We are losing good people because of it.", "Staff deserve better than this.",
                 "It feels like nobody is listening."],
    "positive": ["It makes a real difference.", "We would love to see it everywhere.",
                 "Staff really value it.", "It is one of the best things we have done."],
    "mixed": ["There is good practice out there, it is just patchy.",
              "We are getting there, slowly.", "Some of this is easy to fix.",
              "It varies hugely from one trust to the next."],
}  # fmt: skip

CONNECTORS = ["Also,", "On top of that,", "At the same time,", "And", "What is more,",
              "Related to that,", "Equally,"]  # fmt: skip
CONTRASTS = ["That said,", "On the other hand,", "But", "Even so,", "Having said that,"]

NON_ANSWERS = ["n/a", "N/A", "Nothing to add", "nothing to add, thanks", "No", "None",
               "-", "Nothing further", "Covered it all above", "Not really", "No comment",
               "nope", "All good"]  # fmt: skip

# Personal data people do type into free text; redaction must catch it.
PERSONAL = [
    "My name is Sarah Jenkins and I would be happy to talk more about this.",
    "Feel free to call me on 07700 900461 if you want examples.",
    "You can email me at k.osei@nhs.net for our audit figures.",
    "This is Dave Rowlands from estates, we would like to be involved.",
    "I work at the site at LS1 4AP where this is worst.",
    "I had to give my NHS number (943 476 5919) three times to get seen.",
    "Please contact me, my name is Priya Shah, on 0161 496 0123.",
]


@dataclass(frozen=True)
class Composed:
    text: str
    themes: tuple[str, ...]
    sentiment: str  # negative, positive, mixed, none


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text and not text[:2].isupper() else text


def compose(
    rng: random.Random,
    group: str,
    *,
    themes: tuple[str, ...] | None = None,
    sentiment: str | None = None,
    length: str | None = None,
    personal_rate: float = 0.04,
    non_answer_rate: float = 0.0,
) -> Composed:
    """One answer in ``group``'s voice. Unset choices are drawn from ``rng``."""
    if non_answer_rate and rng.random() < non_answer_rate:
        return Composed(rng.choice(NON_ANSWERS), (), "none")
    if themes is None:
        first = rng.choice(THEME_KEYS)
        themes = (first,) if rng.random() < 0.7 else (first, rng.choice(THEME_KEYS))
        themes = tuple(dict.fromkeys(themes))
    sentiment = sentiment or rng.choices(["negative", "positive", "mixed"], [5, 3, 3])[0]
    length = length or rng.choices(["short", "medium", "long"], [3, 5, 2])[0]
    statements: list[str] = []
    for index, theme in enumerate(themes):
        bank = THEMES[theme]
        if sentiment == "negative":
            kinds = ["problem", "problem", "detail", "suggestion"]
        elif sentiment == "positive":
            kinds = ["positive", "suggestion", "positive", "suggestion"]
        else:
            kinds = ["positive", "problem", "suggestion", "detail"]
        wanted = {"short": 1, "medium": 2, "long": 4}[length] if index == 0 else 1
        used: set[str] = set()
        for kind in kinds[:wanted]:
            options = [s for s in bank[kind] if s not in used]
            choice = rng.choice(options)
            used.add(choice)
            statements.append(choice)
    parts: list[str] = []
    voice = VOICES.get(group) or VOICES["Other"]
    if length != "short" and rng.random() < 0.55:
        opener = rng.choice(voice)
        parts.append(f"{opener} {_lower_first(statements[0])}")
    else:
        parts.append(statements[0])
    for number, statement in enumerate(statements[1:], start=1):
        if sentiment == "mixed" and number == 1:
            joiner = rng.choice(CONTRASTS)
        elif rng.random() < 0.35:
            joiner = rng.choice(CONNECTORS)
        else:
            joiner = ""
        parts.append(f"{joiner} {_lower_first(statement)}" if joiner else statement)
    text = " ".join(_sentence(p) for p in parts)
    if length == "short" and rng.random() < 0.3:
        text = text.rstrip(".")  # people do not always finish their sentences
    elif rng.random() < 0.3:
        text += " " + rng.choice(CLOSERS[sentiment])
    if rng.random() < 0.05:
        text = text.lower()  # typed in a hurry on a phone
    if rng.random() < personal_rate:
        text += " " + rng.choice(PERSONAL)
    return Composed(text, themes, sentiment)


# --- sessions: evaluations straight after, and follow-ups weeks later -------------------------

SESSION: dict[str, list[str]] = {
    "useful": [
        "Hearing how another trust set up self-referral and what they would do differently",
        "The practical examples, I came away with three things to try",
        "The speaker was honest about what had not worked, which was refreshing",
        "The breakout rooms with people in the same role as me",
        "Realising other organisations have exactly the same problems",
        "The evidence summary, I will use it in our business case",
        "The Q&A, the panel answered the hard questions",
        "Short, focused and easy to fit in before a shift",
        "The template policy that was shared in the chat",
        "Meeting colleagues from primary care I would never normally talk to",
    ],
    "better": [
        "More time for questions, it felt rushed at the end",
        "8am is hard for anyone on the wards, maybe repeat it at lunchtime",
        "Share the slides before the session",
        "The sound dropped out a few times on Teams",
        "Fewer speakers and more discussion",
        "Include the voice of staff who have actually used the service",
        "Record it so night staff can watch later",
        "It would help to hear from smaller providers, not just big acute trusts",
        "Make the chat questions visible to everyone",
        "Nothing, it was great",
    ],
    "changed": [
        "I have started monthly wellbeing check-ins with my team and people are using them",
        "We rewrote our referral form using the template that was shared",
        "I shared the slides at our divisional meeting and we now have a working group",
        "Honestly, nothing has changed yet because we are so short-staffed",
        "I raised it at our people committee and it is now on the workforce plan",
        "We set up a peer support rota after incidents, based on what we heard",
        "I now signpost staff to self-referral physio rather than waiting for OH",
        "I felt more confident having a difficult conversation about sickness absence",
        "We trialled protected breaks on one ward and are extending it",
        "Not much, the ideas need funding we do not have",
        "I changed how I run return-to-work meetings, far less of a tick box",
        "We added menopause to our manager training",
    ],
    "difference": [
        "Referrals are coming to OH earlier and with better information",
        "Two people on my team stayed in work with adjustments instead of going off sick",
        "It is too early to say, but staff say they feel listened to",
        "Our absence for MSK is down on the same quarter last year",
        "The board now asks about staff health at every meeting",
        "No real difference yet, the barriers are bigger than one team can shift",
        "Managers are asking OH for advice before problems escalate",
        "Staff have told me they did not know this support existed before",
        "Fewer complaints about rotas since we moved to six-week publishing",
    ],
}

SESSION_OPENERS = ["For me,", "Personally,", "Honestly,", "Above all,", "Mainly"]
NOTE_PREFIXES = ["", "", "P3: ", "P7 said ", "Group agreed: ", "Table 2 - ", "Several felt that ",
                 "Interviewee: ", "Strong view from the room: "]  # fmt: skip


def compose_session(rng: random.Random, kind: str, topic: str | None = None) -> Composed:
    """An answer about a session: what was useful, what to do better, what changed since."""
    lead = rng.choice(SESSION[kind])
    extra = ""
    if topic and kind in ("useful", "changed") and rng.random() < 0.5:
        bank = THEMES[topic]["suggestion" if kind == "changed" else "positive"]
        extra = " " + _sentence(rng.choice(bank))
    sentiment = "positive" if kind == "useful" else "mixed"
    voice = ""
    if rng.random() < 0.2:
        voice = rng.choice(SESSION_OPENERS) + " "
        lead = _lower_first(lead)
    text = _sentence(voice + lead) + extra
    if rng.random() < 0.03:
        text += " " + rng.choice(PERSONAL)
    return Composed(text, (topic,) if topic else (), sentiment)


def as_note(rng: random.Random, text: str) -> str:
    """The same words as a facilitator writes them down in a focus group or interview."""
    prefix = rng.choice(NOTE_PREFIXES)
    return prefix + (_lower_first(text) if prefix.endswith(("that ", "said ")) else text)
