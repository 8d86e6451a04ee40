"""Graded answers for the evaluation-quality benchmark, written for Panelist.

Ten questions from ten roles, each with the rubric a recruiter would write (criteria with what a
strong answer shows and an ideal answer) and the interview's keywords. Each question has ten
answers, one per family, graded per criterion from 1 to 5 by a careful human reader who knows the
job:

- ``excellent``: specific, on topic, correct, uses the rubric's vocabulary;
- ``plain_words``: just as good, told in everyday words with none of the rubric's key terms;
- ``mediocre``: on topic and honest but vague, thin or missing a part;
- ``foreign``: an excellent answer in French or Spanish (the candidate pages ship both);
- adversarial: ``very_short`` (a few words), ``keyword_stuffing`` (the rubric's words with no
  sentence), ``restating`` (the question said back), ``confident_wrong`` (fluent, on topic, wrong
  on the facts that matter), ``off_topic`` (fluent, about something else).

Half the questions are written answers; for the other half the answers read like speech
transcripts (lower case, fillers, few full stops), as the pipeline hands them to the evaluator.
The even-numbered questions are the held-out half: the evaluator's settings were chosen looking
at the odd ones only (``split``).
"""

from __future__ import annotations

from dataclasses import dataclass

ADVERSARIAL = ("very_short", "keyword_stuffing", "restating", "confident_wrong", "off_topic")
FAMILIES = ("excellent", "plain_words", "mediocre", "foreign", *ADVERSARIAL)


@dataclass(frozen=True)
class Rubric:
    key: str
    name: str
    description: str
    ideal_answer: str


@dataclass(frozen=True)
class Answer:
    family: str
    text: str
    grades: tuple[int, ...]  # one per criterion, in the question's order
    language: str = "en"


@dataclass(frozen=True)
class Question:
    number: int
    role: str
    medium: str  # "written" or "transcript"
    text: str
    criteria: tuple[Rubric, ...]
    keywords: tuple[str, ...]
    answers: tuple[Answer, ...]

    @property
    def split(self) -> str:
        return "dev" if self.number % 2 else "held-out"


@dataclass(frozen=True)
class Case:
    question: Question
    answer: Answer

    @property
    def grade(self) -> float:
        return sum(self.answer.grades) / len(self.answer.grades)

    @property
    def label(self) -> str:
        return f"Q{self.question.number}/{self.answer.family}"


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "Site reliability engineer",
        "written",
        "Tell us about a production incident you resolved. How did you find the cause, what did "
        "you change, and how did you make sure it would not happen again?",
        (
            Rubric(
                "diagnosis",
                "Diagnosis",
                "Finds the root cause methodically from evidence such as logs, metrics or "
                "query plans, rather than guessing.",
                "I read the slow query log and the query plan, saw a sequential scan on the "
                "orders table, and confirmed it by reproducing the query on a copy of production.",
            ),
            Rubric(
                "prevention",
                "Prevention",
                "Measures the effect of the fix and prevents a repeat with monitoring, alerts, "
                "tests or a runbook.",
                "After adding the index, latency fell from four seconds to eighty milliseconds; "
                "I added an alert on p95 latency and wrote a runbook for the on-call engineer.",
            ),
        ),
        ("PostgreSQL", "index", "latency", "runbook", "alert", "query plan"),
        (
            Answer(
                "excellent",
                "Last spring our checkout API started timing out during the lunch peak. I "
                "opened the PostgreSQL slow query log and found one query on the orders table "
                "taking four seconds. The query plan showed a sequential scan, because we "
                "filtered on customer and date with no matching index. I reproduced it on a "
                "restored copy of production, added a composite index concurrently, and p95 "
                "latency dropped from 4 s to about 80 ms. Then I added an alert on p95 latency "
                "and wrote a runbook so the on-call engineer knows where to look first.",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "One lunchtime our shop's payment page got so slow that people gave up. I "
                "didn't want to guess, so I looked at which database requests were taking the "
                "longest and found that one was reading every past purchase, row by row, each "
                "time someone paid. I tried the same request on a copy of the live data to be "
                "sure, then gave the database a way to jump straight to one customer's recent "
                "purchases. The page went from four seconds to well under a tenth of a second. "
                "Afterwards we set things up so that someone's phone buzzes if it ever slows "
                "down again, and I wrote a short checklist for whoever is on duty that night.",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "We had an outage once where the site was slow. I think it was the database. "
                "Somebody on my team looked at it and we restarted a few things, and after a "
                "while it got better. I helped by checking the dashboards. We talked about "
                "adding monitoring later but I am not sure it was done.",
                (2, 2),
            ),
            Answer(
                "foreign",
                "Le printemps dernier, notre API de paiement ne répondait plus aux heures de "
                "pointe. J'ai ouvert le journal des requêtes lentes de PostgreSQL et trouvé une "
                "requête sur la table des commandes qui prenait quatre secondes. Le plan "
                "d'exécution montrait un parcours complet de la table, faute d'index sur le "
                "client et la date. J'ai reproduit le problème sur une copie de la production, "
                "ajouté un index composite, et la latence est passée de quatre secondes à "
                "quatre-vingts millisecondes. Ensuite j'ai créé une alerte sur la latence et "
                "rédigé une procédure pour l'équipe d'astreinte.",
                (5, 5),
                "fr",
            ),
            Answer("very_short", "I added an index and it was fine.", (1, 1)),
            Answer(
                "keyword_stuffing",
                "PostgreSQL index latency runbook alert query plan root cause monitoring p95 "
                "logs metrics postmortem sequential scan composite index on-call.",
                (1, 1),
            ),
            Answer(
                "restating",
                "You want to hear about a production incident I resolved, how I found the "
                "cause, what I changed, and how I made sure that it would not happen again. "
                "That is a good question about production incidents and their causes.",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "When our API got slow I knew straight away it was the indexes, because "
                "indexes always slow down reads. I dropped every index on the orders table and "
                "restarted the database every hour with a cron job. Latency improved a lot, so "
                "we did not need any alerts or a runbook; the hourly restart prevents it.",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "I really enjoy working in teams where people are friendly. At my last job we "
                "had a ping pong table and went for lunch together on Fridays, which made the "
                "office a great place. I also volunteer at an animal shelter at weekends.",
                (1, 1),
            ),
        ),
    ),
    Question(
        2,
        "Customer support agent",
        "transcript",
        "Describe a time you handled an angry customer. What did you say, and how did it end?",
        (
            Rubric(
                "empathy",
                "Empathy",
                "Listens, acknowledges the customer's frustration and stays calm.",
                "I let her explain without interrupting, told her I understood why she was "
                "upset and apologised for the trouble.",
            ),
            Rubric(
                "resolution",
                "Resolution",
                "Takes ownership, solves the problem or sets a clear next step, and follows up.",
                "I found the missing refund, issued it while she was on the line, gave her a "
                "reference number and called her back two days later to check it had arrived.",
            ),
        ),
        ("refund", "apologise", "follow up", "listen", "ticket"),
        (
            Answer(
                "excellent",
                "so um a customer called in really angry because her refund hadn't arrived "
                "after three weeks and she'd been transferred twice already so first i just "
                "let her talk i didn't interrupt and then i said i understand why you're "
                "frustrated i'm sorry you've been passed around i'm going to own this "
                "i looked up the ticket found the refund was stuck waiting for approval got my "
                "supervisor to approve it while she was still on the line gave her the "
                "reference number and i followed up two days later to make sure the money had "
                "arrived and she actually thanked me and left a good review",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "there was a man whose order never came and he was shouting by the time he got "
                "to me so i stayed calm and let him get it all out then i told him honestly "
                "that i'd be upset too and i was sorry it had gone like that i promised i "
                "wouldn't hang up until i knew where his parcel was it turned out it was sent "
                "to an old address so i had a new one sent the same day for free and i rang "
                "him on the friday to check it had turned up and it had he was fine in the end",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "yeah i've had angry customers lots of times um usually i just try to stay "
                "calm and do what the system says and if they're really angry i pass them to "
                "my manager one time a guy was mad about a charge and i think it got sorted "
                "out eventually",
                (3, 2),
            ),
            Answer(
                "foreign",
                "eh una clienta llamó muy enfadada porque su reembolso no había llegado en tres "
                "semanas y ya la habían transferido dos veces primero la dejé hablar sin "
                "interrumpirla y le dije entiendo perfectamente su frustración y le pido "
                "disculpas busqué su caso vi que el reembolso estaba pendiente de aprobación "
                "mi supervisora lo aprobó mientras ella seguía en la línea le di el número de "
                "referencia y la llamé dos días después para confirmar que había recibido el "
                "dinero y quedó muy contenta",
                (5, 5),
                "es",
            ),
            Answer("very_short", "um i said sorry and fixed it", (1, 1)),
            Answer(
                "keyword_stuffing",
                "refund apologise follow up listen ticket empathy ownership calm "
                "de-escalation customer satisfaction resolution reference number",
                (1, 1),
            ),
            Answer(
                "restating",
                "so you're asking about a time i handled an angry customer what i said and how "
                "it ended yeah handling angry customers is something that happens and you have "
                "to handle them and say things and then it ends",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "honestly the best way with angry customers is to match their energy so they "
                "know you're serious a guy yelled about his refund so i told him firmly that "
                "it was his own fault for not reading the policy and closed the ticket he "
                "stopped calling so that worked and there was no need to follow up",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "um i think my biggest strength is that i'm really good with computers i "
                "built my own gaming pc last year and i like fixing my friends laptops i also "
                "play football on sundays",
                (1, 1),
            ),
        ),
    ),
    Question(
        3,
        "Registered nurse",
        "written",
        "A patient's condition is getting worse during your shift. Walk us through what you do.",
        (
            Rubric(
                "assessment",
                "Assessment",
                "Recognises deterioration from vital signs and a structured assessment.",
                "I would check the airway, breathing and circulation, take a full set of vital "
                "signs, calculate the early warning score and compare it with the earlier "
                "observations.",
            ),
            Rubric(
                "escalation",
                "Escalation",
                "Escalates promptly to the right person with a clear handover and documents it.",
                "I would call the doctor or the rapid response team straight away, hand over "
                "using SBAR, stay with the patient and document every observation and action.",
            ),
        ),
        ("vital signs", "SBAR", "escalate", "early warning score", "document"),
        (
            Answer(
                "excellent",
                "First I go to the patient and do an ABCDE assessment: airway, breathing, "
                "circulation, disability, exposure. I take a full set of vital signs and "
                "calculate the early warning score; if it has risen from the last set, that is "
                "deterioration and I do not wait. I escalate to the doctor or the rapid "
                "response team at once, using SBAR so the handover is clear: situation, "
                "background, assessment, recommendation. I stay with the patient, start "
                "oxygen if prescribed, repeat the observations and document every finding and "
                "who I called and when.",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "I go straight to the bedside and look at the basics: can they breathe "
                "properly, what colour are they, are they making sense. I take their pulse, "
                "blood pressure, temperature and oxygen level and compare them with the "
                "numbers from earlier in the shift. If they are going the wrong way I ring "
                "the doctor on call right away and tell them, in order, what is happening, "
                "what the patient is in hospital for, what I have found and what I think they "
                "need. I do not leave the patient alone, I keep checking them every few "
                "minutes, and I write down everything I saw and did, with the times.",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "I would check on the patient and take some observations. If they looked "
                "really unwell I would probably tell the nurse in charge and see what they "
                "wanted to do. I would keep an eye on them for the rest of the shift.",
                (3, 2),
            ),
            Answer(
                "foreign",
                "Je vais d'abord au chevet du patient et je fais une évaluation ABCDE : voies "
                "aériennes, respiration, circulation, état neurologique. Je prends toutes les "
                "constantes et je calcule le score d'alerte précoce ; s'il a augmenté depuis "
                "la dernière mesure, j'appelle immédiatement le médecin ou l'équipe de "
                "réanimation. Je transmets les informations de façon structurée avec la "
                "méthode SBAR, je reste auprès du patient, je refais les mesures et je note "
                "chaque observation et chaque appel dans le dossier.",
                (5, 5),
                "fr",
            ),
            Answer("very_short", "Call the doctor and check vitals.", (2, 2)),
            Answer(
                "keyword_stuffing",
                "Vital signs, SBAR, escalate, early warning score, document, ABCDE, rapid "
                "response team, deterioration, handover, observations, NEWS2.",
                (1, 1),
            ),
            Answer(
                "restating",
                "If a patient's condition is getting worse during my shift, I would walk "
                "through what I do. A worsening patient during a shift is something every "
                "nurse should know what to do about, and I would do it.",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "Patients often look worse at night, so I would let them sleep and recheck "
                "the vital signs at the next scheduled round in four hours. Calling the doctor "
                "for every change just creates noise; I would escalate only if the family "
                "complained, and I would document it at the end of the shift.",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "I chose nursing because my grandmother was a midwife and I loved her "
                "stories. In my free time I run half marathons and I am learning to bake "
                "sourdough bread, which takes a lot of patience.",
                (1, 1),
            ),
        ),
    ),
    Question(
        4,
        "Retail store associate",
        "transcript",
        "A customer wants to return an item without a receipt and our policy does not allow it. "
        "What do you do?",
        (
            Rubric(
                "policy",
                "Follows policy",
                "Applies the store's policy consistently and explains it clearly and respectfully.",
                "I would explain calmly that without a receipt I can't give a refund, and why "
                "the policy exists.",
            ),
            Rubric(
                "service",
                "Customer service",
                "Looks for an acceptable alternative within the rules and escalates when "
                "appropriate.",
                "I would look the purchase up by card, offer store credit or an exchange if "
                "the policy allows, and call a manager if the customer is still unhappy.",
            ),
        ),
        ("receipt", "store credit", "exchange", "manager", "policy"),
        (
            Answer(
                "excellent",
                "okay so first i'd stay friendly and explain that without a receipt i can't "
                "do a cash refund because that's our return policy and it's there to stop "
                "fraud then i'd try to help anyway i'd ask if they paid by card because we can "
                "often find the purchase in the system by card number and if we can't find it "
                "i can offer an exchange or store credit at the lowest selling price if "
                "they're still not happy i'd call my manager over rather than make up my own "
                "rule so everyone gets treated the same",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "i'd be polite and tell them straight that i can't give money back without "
                "proof of purchase it's the same for everybody so it's fair then i'd see what "
                "i can do like if they paid with a card i can usually look up the sale on the "
                "till and if not they could swap it for something else or get a voucher to "
                "spend in the shop and if they still want more i'd get the person in charge "
                "instead of bending the rules myself",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "um i'd tell them we can't do it without a receipt and if they argue i'd get "
                "someone else i guess it depends on the customer",
                (3, 2),
            ),
            Answer(
                "foreign",
                "bueno primero le explicaría con amabilidad que sin el ticket no puedo hacer "
                "un reembolso en efectivo porque es la política de la tienda y es igual para "
                "todos luego intentaría ayudarle le preguntaría si pagó con tarjeta porque "
                "podemos buscar la compra en el sistema y si no aparece le ofrecería un cambio "
                "o un vale para la tienda y si sigue sin estar conforme llamaría al encargado",
                (5, 5),
                "es",
            ),
            Answer("very_short", "no receipt no refund sorry", (2, 1)),
            Answer(
                "keyword_stuffing",
                "receipt store credit exchange manager policy refund customer service loss "
                "prevention fraud lookup card",
                (1, 1),
            ),
            Answer(
                "restating",
                "so a customer wants to return an item without a receipt and the policy "
                "doesn't allow it and you're asking what i do so yeah what i do is the thing "
                "you do when that happens",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "easy the customer is always right so i'd just give them the cash back from "
                "the till without a receipt no need to bother the manager or check the policy "
                "because happy customers come back and that's what matters",
                (1, 2),
            ),
            Answer(
                "off_topic",
                "i love fashion and i follow a lot of stylists on instagram my favourite "
                "season is autumn because of the colours and i think this store has the best "
                "window displays in town",
                (1, 1),
            ),
        ),
    ),
    Question(
        5,
        "Data analyst",
        "written",
        "How would you find out why weekly sign-ups dropped by 20% last month?",
        (
            Rubric(
                "method",
                "Analytical method",
                "Checks the data first, then segments the drop (channel, device, country, "
                "funnel step) to locate it.",
                "I would first check the tracking is not broken, then break the sign-ups down "
                "by channel, device, country and funnel step to see where the drop is "
                "concentrated.",
            ),
            Rubric(
                "communication",
                "Communication",
                "Forms hypotheses, tests them and reports a clear conclusion to stakeholders.",
                "I would list likely causes such as a release or a campaign ending, test each "
                "against the data, and share a short summary with a chart and a recommendation.",
            ),
        ),
        ("funnel", "segment", "tracking", "hypothesis", "dashboard", "cohort"),
        (
            Answer(
                "excellent",
                "First I would make sure the drop is real: check that the tracking events "
                "still fire after the last release and compare with the sign-ups in the "
                "production database. Then I would segment the drop by acquisition channel, "
                "device, country and funnel step, to see whether it is everywhere or "
                "concentrated, say on Android at the email-verification step. With that I "
                "would write down hypotheses (a release, an ended ad campaign, a broken "
                "verification email), test each against the data, and send the product team "
                "a one-page summary with a funnel chart, the most likely cause and what to do.",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "Before anything else I'd make sure our counting hasn't broken, by comparing "
                "the numbers on our reports with the actual new accounts created. Then I'd "
                "split the fall up: which sources of visitors, which phones or computers, "
                "which countries, and at which screen of the sign-up people give up. Usually "
                "it turns out to be one place. Then I'd list the likely reasons, like a new "
                "app version or an advert that stopped running, check each one against the "
                "numbers, and write the team a short note with one picture and what I'd do "
                "next.",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "I would look at the data in the dashboard and see what changed compared to "
                "the month before. Maybe marketing changed something. I would ask around the "
                "teams and then make a report.",
                (2, 3),
            ),
            Answer(
                "foreign",
                "Primero comprobaría que la caída es real: que los eventos de seguimiento "
                "siguen funcionando después de la última versión, comparándolos con las altas "
                "en la base de datos. Después segmentaría la caída por canal de adquisición, "
                "dispositivo, país y paso del embudo, para ver si está concentrada en algún "
                "sitio. Con eso formularía hipótesis, como una versión nueva o una campaña que "
                "terminó, las contrastaría con los datos y enviaría al equipo un resumen breve "
                "con un gráfico y una recomendación.",
                (5, 5),
                "es",
            ),
            Answer("very_short", "Check the dashboard for changes.", (1, 1)),
            Answer(
                "keyword_stuffing",
                "Funnel, segment, tracking, hypothesis, dashboard, cohort analysis, SQL, "
                "attribution, A/B test, conversion rate, stakeholders, root cause.",
                (1, 1),
            ),
            Answer(
                "restating",
                "I would find out why weekly sign-ups dropped by twenty percent last month. "
                "Finding out why sign-ups dropped is important, because a twenty percent drop "
                "in weekly sign-ups last month is a lot.",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "A 20% drop in one month is just seasonality, so there is nothing to "
                "investigate. I would not segment the data, because splitting it only adds "
                "noise; I would tell stakeholders it will bounce back and maybe increase the "
                "ad budget to be safe.",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "My favourite tool is Excel because I have used it since school. I also like "
                "chess and puzzles, and I once organised a charity quiz night for my "
                "university that raised five hundred pounds.",
                (1, 1),
            ),
        ),
    ),
    Question(
        6,
        "Warehouse team lead",
        "transcript",
        "Tell us how you would keep your team safe and productive during a busy peak week.",
        (
            Rubric(
                "safety",
                "Safety",
                "Puts safety first: briefings, equipment checks, breaks, stopping unsafe work.",
                "I start every shift with a safety briefing, check the forklifts and protective "
                "equipment, make sure people take their breaks and stop any unsafe work at once.",
            ),
            Rubric(
                "planning",
                "Planning",
                "Plans staffing and work against the volume forecast and tracks progress.",
                "I plan the rota against the volume forecast, cross-train people so I can move "
                "them to the bottleneck, and track picks per hour against the target during "
                "the shift.",
            ),
        ),
        ("safety briefing", "forklift", "rota", "forecast", "picks per hour", "PPE"),
        (
            Answer(
                "excellent",
                "right so for peak week safety comes first every shift starts with a five "
                "minute safety briefing we check the forklifts and the ppe before anyone "
                "starts and i make sure people actually take their breaks because tired people "
                "get hurt if i see unsafe lifting or someone rushing a forklift i stop it there "
                "and then for productivity i build the rota from the volume forecast a week "
                "ahead i cross train people so i can move them to packing or loading when "
                "that's the bottleneck and i track picks per hour every couple of hours "
                "against the target so we adjust before we fall behind",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "um the first thing is nobody gets hurt so at the start of each day we get "
                "everyone together for a few minutes and go over the risks we look over the "
                "lifting trucks and the boots and gloves and i make sure people have their "
                "rest even when it's manic and if someone's cutting corners i stop them "
                "straight away then for getting the work done i look at how many orders we're "
                "expecting and put enough people on i teach people more than one job so i can "
                "shift them to wherever things are piling up and i check how we're doing "
                "through the day so we can change things early",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "yeah peak is busy so i'd tell everyone to work hard and be careful i'd ask "
                "for some overtime and maybe some agency staff and keep an eye on things",
                (2, 3),
            ),
            Answer(
                "foreign",
                "alors pendant la semaine de pointe la sécurité passe avant tout chaque "
                "équipe commence par un briefing sécurité de cinq minutes on vérifie les "
                "chariots élévateurs et les équipements de protection et je veille à ce que "
                "tout le monde prenne ses pauses si je vois quelqu'un porter mal une charge "
                "je l'arrête tout de suite pour la productivité je prépare le planning à "
                "partir des prévisions de volume je forme les gens à plusieurs postes pour les "
                "déplacer là où ça bloque et je suis le nombre de colis préparés par heure",
                (5, 5),
                "fr",
            ),
            Answer("very_short", "um be careful and work fast", (1, 1)),
            Answer(
                "keyword_stuffing",
                "safety briefing forklift rota forecast picks per hour ppe cross training "
                "bottleneck breaks risk assessment kpi",
                (1, 1),
            ),
            Answer(
                "restating",
                "so how would i keep my team safe and productive during a busy peak week well "
                "keeping the team safe and productive during a busy peak week is what i would "
                "do during the peak week",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "in peak week you have to push so i'd cancel breaks and skip the safety "
                "briefing to save time forklifts can go faster if people are careful and i "
                "don't bother with a rota i just tell everyone to come in and we'll see",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "i've got two kids and a dog and we like going camping in the summer i'm "
                "quite handy so i fixed up our old caravan last year and repainted it",
                (1, 1),
            ),
        ),
    ),
    Question(
        7,
        "Sales representative",
        "written",
        "A prospect says your product is too expensive. How do you respond?",
        (
            Rubric(
                "discovery",
                "Discovery",
                "Asks questions to understand the objection and what the prospect values.",
                "I would ask what they are comparing us with and what problem matters most, so "
                "I understand whether it is budget, value or timing.",
            ),
            Rubric(
                "value",
                "Value",
                "Reframes price as return on investment with evidence, without discounting first.",
                "I would show the return on investment with their own numbers and a customer "
                "case study, and only discuss terms after the value is clear.",
            ),
        ),
        ("ROI", "objection", "discount", "budget", "case study", "value"),
        (
            Answer(
                "excellent",
                "I would not jump to a discount. First I ask questions: too expensive compared "
                "with what, another vendor, doing nothing, or the budget they have this "
                "quarter? What would solving the problem be worth to them? Then I rebuild the "
                "value with their own numbers, for example hours saved per week times their "
                "team's cost, and show a case study from a similar company that paid back in "
                "four months. If budget timing is the real objection, I can offer a phased "
                "start, but only once the ROI is clear.",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "I'd start by asking what they mean: more than the other company they're "
                "looking at, more than they planned to spend, or more than they think it's "
                "worth? And what fixing this would mean for them. Then I'd work out with them "
                "how much time and money it saves each month with their own figures, and tell "
                "them about a similar business that got its money back in a few months. I "
                "wouldn't cut the price straight away; if the problem is when the money is "
                "available, we could start smaller.",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "I would tell them that our product is high quality and worth the money, and "
                "if they still said no I would ask my manager whether we could give them a "
                "discount.",
                (1, 3),
            ),
            Answer(
                "foreign",
                "Je ne proposerais pas tout de suite une remise. D'abord je pose des "
                "questions : trop cher par rapport à quoi, un autre fournisseur, ne rien "
                "faire, ou le budget de ce trimestre ? Que vaudrait pour eux la résolution du "
                "problème ? Ensuite je reconstruis la valeur avec leurs propres chiffres, par "
                "exemple les heures gagnées chaque semaine multipliées par le coût de "
                "l'équipe, et je montre le cas d'un client comparable rentabilisé en quatre "
                "mois. Si le vrai problème est le calendrier budgétaire, je propose un "
                "démarrage progressif.",
                (5, 5),
                "fr",
            ),
            Answer("very_short", "Offer them a discount.", (1, 1)),
            Answer(
                "keyword_stuffing",
                "ROI, objection handling, discount, budget, case study, value selling, "
                "pain points, decision maker, payback period, negotiation, closing.",
                (1, 1),
            ),
            Answer(
                "restating",
                "When a prospect says the product is too expensive, I respond to the "
                "prospect. Hearing that a product is too expensive is a common thing that "
                "prospects say, and a response is needed.",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "Price objections are always a bluff. I tell the prospect that every "
                "competitor is more expensive, which is usually true, and that the price goes "
                "up tomorrow, so they need to sign today. Asking questions just gives them "
                "time to walk away.",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "I have always been competitive; I played rugby at school and I still follow "
                "my team every weekend. I also enjoy travelling, and last year I visited "
                "Japan for three weeks.",
                (1, 1),
            ),
        ),
    ),
    Question(
        8,
        "Software engineer",
        "transcript",
        "How do you review a teammate's pull request?",
        (
            Rubric(
                "rigor",
                "Rigor",
                "Checks correctness, tests, security and readability, running the code when "
                "needed.",
                "I read the description, check the change is correct and tested, look for "
                "security problems and edge cases, and run it locally when it is risky.",
            ),
            Rubric(
                "collaboration",
                "Collaboration",
                "Gives specific, kind, actionable feedback and separates blocking issues from "
                "suggestions.",
                "I write specific comments that explain why, mark which ones block the merge "
                "and which are optional, and praise what is done well.",
            ),
        ),
        ("tests", "edge cases", "security", "readability", "feedback", "blocking"),
        (
            Answer(
                "excellent",
                "so i start with the description and the ticket so i know what the change is "
                "supposed to do then i read the tests first do they cover the edge cases like "
                "empty input or a timeout then the code itself is it correct is it readable "
                "is there anything security related like user input going into a query if "
                "it's risky i check it out and run it locally and in my comments i explain "
                "why not just what i label which ones are blocking and which are just "
                "suggestions or nitpicks and i say when something is nicely done",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "um first i find out what the change is for then i look at how they've "
                "checked it works and whether that covers the odd situations like nothing "
                "being entered or the network being down then i go through the code asking "
                "would someone new understand this and could anyone abuse it if it's a "
                "delicate area i try it on my own machine when i leave comments i say why "
                "i'm asking i make clear which things must change before it goes in and which "
                "are just ideas and i tell them what i liked too",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "i look through the code and if it looks okay i approve it sometimes i leave "
                "a comment if something looks weird i try not to take too long",
                (2, 2),
            ),
            Answer(
                "foreign",
                "pues empiezo por la descripción y el ticket para saber qué debe hacer el "
                "cambio luego leo primero las pruebas y miro si cubren los casos límite como "
                "una entrada vacía o un tiempo de espera después el código en sí si es "
                "correcto si se entiende si hay algún problema de seguridad como datos del "
                "usuario que van a una consulta si es arriesgado lo pruebo en local y en mis "
                "comentarios explico el porqué indico cuáles bloquean la fusión y cuáles son "
                "sugerencias y digo lo que está bien hecho",
                (5, 5),
                "es",
            ),
            Answer("very_short", "i just approve it mostly", (1, 1)),
            Answer(
                "keyword_stuffing",
                "tests edge cases security readability feedback blocking nitpicks code "
                "coverage linting ci static analysis approve",
                (1, 1),
            ),
            Answer(
                "restating",
                "how do i review a teammate's pull request um i review the pull request of "
                "my teammate that's how i review a pull request from a teammate",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "honestly tests are a waste of time in review if the code compiles it works "
                "so i approve anything that passes the build security is the security team's "
                "job and i don't comment much because feedback slows people down",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "i got into programming through video games i used to mod minecraft when i "
                "was twelve and now i mostly play strategy games and build keyboards as a "
                "hobby",
                (1, 1),
            ),
        ),
    ),
    Question(
        9,
        "Project manager",
        "written",
        "Your project is two weeks behind schedule. What do you do?",
        (
            Rubric(
                "analysis",
                "Analysis",
                "Finds out why it is late and what the critical path and options are.",
                "I would find out what caused the delay, look at the critical path and "
                "estimate what is left, then list options such as cutting scope, adding "
                "people or moving the date.",
            ),
            Rubric(
                "stakeholders",
                "Stakeholder communication",
                "Tells stakeholders early and honestly, with options and a recommendation.",
                "I would tell the sponsor early with the facts, the options and their costs, "
                "recommend one, agree a new plan and report progress against it weekly.",
            ),
        ),
        ("critical path", "scope", "sponsor", "risk", "milestone", "replan"),
        (
            Answer(
                "excellent",
                "First I find out why we are late: a dependency that slipped, work that was "
                "underestimated, or people pulled onto other projects. I update the plan with "
                "fresh estimates from the team and look at the critical path, because two "
                "weeks late on a task with slack is not two weeks late for the project. Then "
                "I prepare options with their costs: cut or defer scope, add people where it "
                "helps, or move the milestone. I tell the sponsor early, with the facts and a "
                "recommendation, agree the new baseline and report against it every week.",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "I'd first get to the bottom of why we slipped: did something we were waiting "
                "on arrive late, did a job turn out bigger than we thought, or did people get "
                "borrowed by other work? I'd ask the team how long the rest will really take "
                "and work out which tasks actually hold up the finish date. Then I'd lay out "
                "the choices: do less for now, bring in help, or move the date. I'd go to the "
                "person paying for the project straight away, explain it plainly, say which "
                "choice I'd make and why, and keep them posted every week after that.",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "I would ask the team to work harder and maybe do some overtime to catch up. "
                "I would tell my manager that we are a bit behind and we are working on it.",
                (2, 2),
            ),
            Answer(
                "foreign",
                "Primero averiguo por qué vamos con retraso: una dependencia que se retrasó, "
                "trabajo subestimado o personas asignadas a otros proyectos. Actualizo el plan "
                "con nuevas estimaciones del equipo y miro la ruta crítica, porque dos semanas "
                "de retraso en una tarea con holgura no son dos semanas para el proyecto. "
                "Luego preparo opciones con su coste: recortar alcance, añadir personas o "
                "mover el hito. Informo pronto al patrocinador con los hechos y una "
                "recomendación, acordamos un nuevo plan y lo sigo cada semana.",
                (5, 5),
                "es",
            ),
            Answer("very_short", "Tell the team to hurry up.", (1, 1)),
            Answer(
                "keyword_stuffing",
                "Critical path, scope, sponsor, risk register, milestone, replan, Gantt, "
                "RAID log, baseline, escalation, stakeholder management, agile.",
                (1, 1),
            ),
            Answer(
                "restating",
                "If my project is two weeks behind schedule, I would do something about it. "
                "Being two weeks behind schedule on a project is a situation where the project "
                "manager needs to decide what to do.",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "Two weeks is nothing, so I would not mention it to the sponsor; telling them "
                "only causes panic. We will make it up at the end by skipping testing, which "
                "is always where projects waste the most time.",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "I am very organised in my personal life: I plan all our family holidays in "
                "a spreadsheet and I have run the same book club for six years. I also enjoy "
                "gardening.",
                (1, 1),
            ),
        ),
    ),
    Question(
        10,
        "Call centre team leader",
        "transcript",
        "One of your agents keeps missing their targets. How do you handle it?",
        (
            Rubric(
                "coaching",
                "Coaching",
                "Finds the cause in a private conversation and coaches with specific, "
                "measurable goals.",
                "I would talk to them one to one to find out what is going on, listen to some "
                "of their calls together, and agree a coaching plan with specific goals.",
            ),
            Rubric(
                "follow_through",
                "Follow-through",
                "Reviews progress regularly, recognises improvement and escalates fairly if "
                "needed.",
                "I would review progress every week, recognise improvement, and only if "
                "nothing changes after the agreed time start a formal performance process with "
                "HR.",
            ),
        ),
        ("one to one", "coaching", "call listening", "targets", "performance plan"),
        (
            Answer(
                "excellent",
                "so first i'd have a private one to one not to tell them off but to find out "
                "what's behind it could be something at home could be they're unsure about a "
                "product then we'd listen to a few of their calls together and pick one or "
                "two specific things like shorter hold times with a number and a date and i'd "
                "check in every week say what's improved and if after the agreed time nothing "
                "changes then i'd start the formal performance plan with hr but fairly and "
                "with everything written down",
                (5, 5),
            ),
            Answer(
                "plain_words",
                "i'd take them aside somewhere quiet and just ask how things are going "
                "because there's usually a reason maybe they're struggling with the new "
                "system or something's going on outside work then we'd sit and listen back to "
                "some of their calls together and agree one or two things to work on with "
                "clear numbers then i'd meet them each week to see how it's going and say "
                "well done when it gets better and only if it really doesn't improve after "
                "the time we agreed would i take it further with the people team",
                (5, 5),
            ),
            Answer(
                "mediocre",
                "i'd remind them what the targets are and tell them they need to improve and "
                "if it keeps happening i'd let my manager know",
                (2, 2),
            ),
            Answer(
                "foreign",
                "d'abord j'aurais un entretien individuel en privé pas pour le sermonner mais "
                "pour comprendre ce qui se passe peut-être un souci personnel ou un produit "
                "qu'il maîtrise mal ensuite on écouterait quelques appels ensemble et on "
                "fixerait un ou deux objectifs précis avec un chiffre et une date je ferais un "
                "point chaque semaine je saluerais les progrès et si rien ne change après le "
                "délai convenu je lancerais un plan d'amélioration formel avec les ressources "
                "humaines",
                (5, 5),
                "fr",
            ),
            Answer("very_short", "i'd give them a warning", (1, 1)),
            Answer(
                "keyword_stuffing",
                "one to one coaching call listening targets performance plan kpi average "
                "handle time quality scores hr development",
                (1, 1),
            ),
            Answer(
                "restating",
                "so one of my agents keeps missing their targets and how do i handle it i "
                "handle an agent missing targets by handling it that's what you do when an "
                "agent keeps missing their targets",
                (1, 1),
            ),
            Answer(
                "confident_wrong",
                "the fastest way is to put their numbers on the big screen so the whole team "
                "sees who's at the bottom public pressure works and if they're still behind "
                "after a week i'd just let them go there's no point wasting time on coaching",
                (1, 1),
            ),
            Answer(
                "off_topic",
                "um i've lived in this city all my life and i love the food scene here my "
                "favourite thing is trying new restaurants with friends and i'm learning to "
                "play the guitar",
                (1, 1),
            ),
        ),
    ),
)


def cases(split: str | None = None) -> list[Case]:
    """Every case, or those of one split ("dev" or "held-out")."""
    return [
        Case(question, answer)
        for question in QUESTIONS
        if split is None or question.split == split
        for answer in question.answers
    ]
