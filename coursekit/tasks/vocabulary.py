"""Plain English words for the hidden inputs the grader generates (texts, answers, contexts)."""

WORDS = (
    "film story actor director scene music plot camera ending moment character family city night "
    "river village company player team season league market bank price report minister government "
    "election party court police officer doctor school student teacher book letter garden window "
    "morning evening summer winter island mountain station airport bridge road village harbour "
    "quiet bright slow quick gentle bitter honest clever strange familiar beautiful terrible "
    "wonderful brilliant boring funny dark warm cold early late long short young old new great "
    "small large simple careful sudden final first second third fourth several many few "
    "runs walks writes reads builds opens closes wins loses plays sings holds brings keeps "
    "leaves finds gives tells shows turns moves meets follows carries watches learns "
    "Paris London Berlin Madrid Denver Boston Chicago Cairo Lagos Lima Oslo Rome Tokyo Delhi "
    "Siemens Reuters Toyota Nokia Boeing Ferrari Philips Unilever Anna Peter Maria Ahmed Chen "
    "Sofia Lucas Emma Noah Olivia Hugo Ines Mateo Yuki Amara"
).split()
