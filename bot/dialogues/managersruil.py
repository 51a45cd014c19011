"""The Managersruil intake ('jouw manager, mijn manager'): a temporary swap of managers (scale 14-16)
across ministries, 6 to 18 months, confidential until both sides agree."""

from __future__ import annotations

from bot.dialogues.common import ANY
from bot.dialogues.conditions import When
from bot.dialogues.model import (
    Choice,
    Choose,
    ChooseMany,
    Date,
    Dialogue,
    Months,
    Number,
    Question,
    Text,
)
from bot.dialogues.validators import (
    advised,
    differs_from,
    in_range,
    max_length,
    min_length,
    not_in_past,
    within_days,
)

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
INTAKE = Dialogue(
    id="managersruil",
    programme="managersruil",
    version=1,
    questions=(
        Question(
            "ministry",
            Choose(
                (*MINISTRIES, Choice("other", "ministry.other", aliases=("anders", "other", "overig"))),
                strip_words=MINISTRY_LEAD_IN,
                unknown_error="managersruil.error.unknown_ministry",
            ),
        ),
        Question("ministry_other", Text(), (max_length(120),), when=When.answer("ministry", "other")),
        Question("directorate", Text()),
        Question("function", Text()),
        Question(
            "scale",
            Number(suggestions=(14, 15, 16), value_format="managersruil.scale_value"),
            (in_range(1, 19), advised(14, 16, "managersruil.scale_advice")),
        ),
        Question("field", Choose(FIELDS)),
        Question("wanted_fields", ChooseMany((*FIELDS, ANY))),
        Question(
            "wanted_ministries",
            # 'Maakt niet uit' last: the ministries keep the numbers they had in question 1.
            ChooseMany((*MINISTRIES, ANY), strip_words=MINISTRY_LEAD_IN),
            (differs_from("ministry", "managersruil.error.own_ministry"),),
        ),
        Question("period", Months(suggestions=(6, 12, 18)), (in_range(6, 18, "error.months_range"),)),
        Question("start", Date(), (not_in_past(), within_days(2 * 365))),
        Question(
            "supervisor",
            Choose(
                (
                    Choice("supports", "supervisor.supports", aliases=("ja", "yes", "steunt")),
                    Choice("knows", "supervisor.knows", aliases=("weet het", "knows")),
                    Choice(
                        "not_yet",
                        "supervisor.not_yet",
                        aliases=("nee", "no", "nog niet", "not yet"),
                        notice="managersruil.supervisor_notice",
                    ),
                )
            ),
        ),
        Question("region", Text(), (max_length(120),)),
        Question("learning", Text(), (min_length(5), max_length(1000))),
    ),
)
