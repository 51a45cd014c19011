"""The Managersruil intake ('jouw manager, mijn manager'): a temporary swap of managers (scale 14-16)
across ministries, 6 to 18 months, confidential until both sides agree."""

from __future__ import annotations

from bot.dialogues.model import Choice, Condition, Dialogue, Kind, Question

# The ministries of the Rijksoverheid as of 2026, with what people type for them: abbreviations,
# old names (EZK, LNV) and well-known agencies that belong to them.
MINISTRIES: tuple[Choice, ...] = (
    Choice("AZ", "ministry.AZ", aliases=("az", "algemene zaken")),
    Choice("BZ", "ministry.BZ", aliases=("bz", "buza", "buitenlandse zaken")),
    Choice("BZK", "ministry.BZK", aliases=("bzk", "binnenlandse zaken")),
    Choice("DEF", "ministry.DEF", aliases=("def", "defensie", "mindef")),
    Choice("EZ", "ministry.EZ", aliases=("ez", "ezk", "economische zaken")),
    Choice("FIN", "ministry.FIN", aliases=("fin", "minfin", "financien", "belastingdienst", "douane")),
    Choice("IenW", "ministry.IenW", aliases=("ienw", "i&w", "rijkswaterstaat", "rws")),
    Choice("JenV", "ministry.JenV", aliases=("jenv", "j&v", "justitie", "dji")),
    Choice("KGG", "ministry.KGG", aliases=("kgg", "klimaat")),
    Choice("LVVN", "ministry.LVVN", aliases=("lvvn", "lnv", "landbouw", "nvwa")),
    Choice("OCW", "ministry.OCW", aliases=("ocw", "onderwijs", "duo")),
    Choice("SZW", "ministry.SZW", aliases=("szw", "sociale zaken")),
    Choice("VWS", "ministry.VWS", aliases=("vws", "volksgezondheid")),
    Choice("VRO", "ministry.VRO", aliases=("vro", "volkshuisvesting")),
    Choice("AenM", "ministry.AenM", aliases=("aenm", "a&m", "asiel", "migratie", "ind")),
)

# How people start the name of a ministry: "ministerie van Financiën", "min. BZK", "Ministry of Finance".
MINISTRY_LEAD_IN = ("het", "the", "ministerie van", "ministerie", "ministry of", "ministry", "min.", "min")

FIELDS: tuple[Choice, ...] = (
    Choice("beleid", "field.beleid", aliases=("policy",)),
    Choice("uitvoering", "field.uitvoering", aliases=("operations", "implementation")),
    Choice("staf", "field.staf", aliases=("staff", "support", "bedrijfsvoering", "ondersteuning")),
)
ANY = Choice(
    "any",
    "choice.any",
    aliases=("maakt niet uit", "geen voorkeur", "alle", "alles", "allemaal", "any", "no preference", "all"),
    exclusive=True,
)

INTAKE = Dialogue(
    id="managersruil.intake",
    programme="managersruil",
    version=1,
    intro="managersruil.intro",
    done="managersruil.done",
    questions=(
        Question(
            "ministry",
            Kind.CHOICE,
            "managersruil.q.ministry",
            "managersruil.l.ministry",
            choices=(*MINISTRIES, Choice("other", "ministry.other", aliases=("anders", "other", "overig"))),
            strip_words=MINISTRY_LEAD_IN,
            unknown_error="managersruil.error.unknown_ministry",
        ),
        Question(
            "ministry_other",
            Kind.TEXT,
            "managersruil.q.ministry_other",
            "managersruil.l.ministry_other",
            when=Condition("ministry", ("other",)),
            max_length=120,
        ),
        Question("directorate", Kind.TEXT, "managersruil.q.directorate", "managersruil.l.directorate"),
        Question("function", Kind.TEXT, "managersruil.q.function", "managersruil.l.function"),
        Question(
            "scale",
            Kind.NUMBER,
            "managersruil.q.scale",
            "managersruil.l.scale",
            min_value=1,
            max_value=19,
            advised=(14, 16),
            advice="managersruil.scale_advice",
            suggestions=(14, 15, 16),
            value_format="managersruil.scale_value",
        ),
        Question("field", Kind.CHOICE, "managersruil.q.field", "managersruil.l.field", choices=FIELDS),
        Question(
            "wanted_fields",
            Kind.MULTI_CHOICE,
            "managersruil.q.wanted_fields",
            "managersruil.l.wanted_fields",
            choices=(*FIELDS, ANY),
        ),
        Question(
            "wanted_ministries",
            Kind.MULTI_CHOICE,
            "managersruil.q.wanted_ministries",
            "managersruil.l.wanted_ministries",
            choices=(ANY, *MINISTRIES),
            strip_words=MINISTRY_LEAD_IN,
            differs_from="ministry",
            differs_error="managersruil.error.own_ministry",
        ),
        Question(
            "period",
            Kind.MONTHS,
            "managersruil.q.period",
            "managersruil.l.period",
            min_value=6,
            max_value=18,
            suggestions=(6, 12, 18),
        ),
        Question(
            "start",
            Kind.DATE,
            "managersruil.q.start",
            "managersruil.l.start",
            min_days_ahead=0,
            max_days_ahead=2 * 365,
        ),
        Question(
            "supervisor",
            Kind.CHOICE,
            "managersruil.q.supervisor",
            "managersruil.l.supervisor",
            choices=(
                Choice("supports", "supervisor.supports", aliases=("ja", "yes", "steunt")),
                Choice("knows", "supervisor.knows", aliases=("weet het", "knows")),
                Choice(
                    "not_yet",
                    "supervisor.not_yet",
                    aliases=("nee", "no", "nog niet", "not yet"),
                    notice="managersruil.supervisor_notice",
                ),
            ),
        ),
        Question("region", Kind.TEXT, "managersruil.q.region", "managersruil.l.region", max_length=120),
        Question(
            "learning",
            Kind.TEXT,
            "managersruil.q.learning",
            "managersruil.l.learning",
            min_length=5,
            max_length=1000,
        ),
    ),
)
