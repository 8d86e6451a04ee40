"""Interview prompts, 10 to 25 words, twelve per shipped language: what a recruiter writes and a
candidate must understand when the narrator reads it (written for Panelist)."""

PROMPTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Tell us about a time you had to resolve a conflict within your team.",
        "Describe a project you are proud of and explain the part you played in it.",
        "How do you decide what to work on first when everything seems urgent?",
        "Give an example of a mistake you made at work and what you learned from it.",
        "Why are you interested in this role, and what would you bring to our customers?",
        "Walk us through how you would explain a technical problem to someone without that "
        "background.",
        "Tell us about a time you received difficult feedback and how you responded to it.",
        "What does a productive working day look like for you, from morning to evening?",
        "Describe a situation where you had to meet a tight deadline with limited resources.",
        "How would your previous manager describe the way you communicate with colleagues?",
        "Tell us about a customer who was unhappy and what you did to help them.",
        "Where would you like your career to be in three years, and why?",
    ),
    "fr": (
        "Parlez-nous d'une situation où vous avez dû résoudre un conflit au sein de votre équipe.",
        "Décrivez un projet dont vous êtes fier et expliquez le rôle que vous y avez joué.",
        "Comment choisissez-vous ce qui passe en premier quand tout semble urgent ?",
        "Donnez un exemple d'erreur commise au travail et de ce qu'elle vous a appris.",
        "Pourquoi ce poste vous intéresse-t-il et qu'apporteriez-vous à nos clients ?",
        "Comment expliqueriez-vous un problème technique à une personne qui n'a pas ces "
        "connaissances ?",
        "Racontez-nous une fois où vous avez reçu une critique difficile et comment vous "
        "avez réagi.",
        "À quoi ressemble pour vous une journée de travail productive, du matin au soir ?",
        "Décrivez une situation où vous avez dû tenir un délai serré avec peu de moyens.",
        "Comment votre ancien responsable décrirait-il votre façon de communiquer avec vos "
        "collègues ?",
        "Parlez-nous d'un client mécontent et de ce que vous avez fait pour l'aider.",
        "Où aimeriez-vous en être dans votre carrière dans trois ans, et pourquoi ?",
    ),
    "es": (
        "Cuéntenos una ocasión en la que tuvo que resolver un conflicto dentro de su equipo.",
        "Describa un proyecto del que esté orgulloso y explique el papel que tuvo en él.",
        "¿Cómo decide qué hacer primero cuando todo parece urgente?",
        "Dé un ejemplo de un error que cometió en el trabajo y de lo que aprendió.",
        "¿Por qué le interesa este puesto y qué aportaría a nuestros clientes?",
        "¿Cómo explicaría un problema técnico a alguien que no tiene esos conocimientos?",
        "Cuéntenos una vez en la que recibió una crítica difícil y cómo reaccionó.",
        "¿Cómo es para usted un día de trabajo productivo, de la mañana a la noche?",
        "Describa una situación en la que tuvo que cumplir un plazo ajustado con pocos recursos.",
        "¿Cómo describiría su anterior responsable su manera de comunicarse con los compañeros?",
        "Háblenos de un cliente descontento y de lo que hizo para ayudarle.",
        "¿Dónde le gustaría estar en su carrera dentro de tres años, y por qué?",
    ),
}
