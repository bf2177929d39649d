"""The question catalogue: every question by code, section, type and wording (docs/clinical.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _

from screening import ASKED_WHEN, AskedWhen

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

SectionCode = Literal["respondent", "about", "pain", "red_flags", "needling", "consent"]
Kind = Literal["text", "email", "phone", "date", "bool", "choice", "multi", "int", "decimal"]
Number = int | float

MAX_AGE_YEARS = 120
# The choice value that means "none of these" in a multi question; it cannot be combined.
NONE_VALUE = "none"


@dataclass(frozen=True)
class Condition(AskedWhen):
    """The C of "required when C": the question applies only while the answer to `code` fits.

    The condition itself (code, op, value) lives in screening.ASKED_WHEN, because the rules must
    know which answers may be absent; build it with `asked_when(question_code, description)`.
    """

    # Completes the sentence "This question only applies when ...".
    description: StrOrPromise


def asked_when(question_code: str, description: StrOrPromise) -> Condition:
    """The `when=` of a question: its condition in screening.ASKED_WHEN, with patient wording."""
    condition = ASKED_WHEN[question_code]
    return Condition(condition.code, condition.op, condition.value, description)


# Conditions of questions that no screening rule reads, so they stay out of screening.ASKED_WHEN
# (and out of the ruleset): code -> condition. The rules never see these answers.
INTAKE_ONLY_CONDITIONS: dict[str, AskedWhen] = {}


def intake_only_when(
    question_code: str, condition: AskedWhen, description: StrOrPromise
) -> Condition:
    """The `when=` of a question no rule reads (a guardian's relationship to the patient)."""
    INTAKE_ONLY_CONDITIONS[question_code] = condition
    return Condition(condition.code, condition.op, condition.value, description)


@dataclass(frozen=True)
class Question:
    """One question of the catalogue; its answer is stored under `code`, forever."""

    code: str
    section: SectionCode
    kind: Kind
    label: StrOrPromise
    staff_label: StrOrPromise
    help_text: StrOrPromise = ""
    # The wording when someone else fills in the form for the patient (third person); empty
    # means the first-person wording above fits them too.
    label_for_other: StrOrPromise = ""
    help_for_other: StrOrPromise = ""
    required: bool = True
    when: Condition | None = None
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    min_value: Number | None = None
    max_value: Number | None = None
    max_length: int | None = None
    # For dates: the oldest age (on the screening date) the date may give.
    max_age: int | None = None
    # For consent bools: only `true` is a valid answer.
    must_be_true: bool = False
    choice_values: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choice_values", frozenset(v for v, _label in self.choices))

    def label_for(self, respondent_is_other: bool) -> StrOrPromise:
        return self.label_for_other if respondent_is_other and self.label_for_other else self.label

    def help_for(self, respondent_is_other: bool) -> StrOrPromise:
        if respondent_is_other and self.help_for_other:
            return self.help_for_other
        return self.help_text

    def choice_label(self, value: str) -> str:
        for choice_value, label in self.choices:
            if choice_value == value:
                return str(label)
        return value


@dataclass(frozen=True)
class Section:
    code: SectionCode
    title: StrOrPromise
    questions: tuple[Question, ...]
    title_for_other: StrOrPromise = ""

    def title_for(self, respondent_is_other: bool) -> StrOrPromise:
        return self.title_for_other if respondent_is_other and self.title_for_other else self.title


_YES_NO_UNSURE = (("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure")))

_RESPONDENT = (
    Question(
        "completed_by",
        "respondent",
        "choice",
        label=_("Who is filling in this form?"),
        help_text=_(
            "If you are filling in the form for someone else, "
            "answer every question about the patient, not about yourself."
        ),
        staff_label=_("Completed by"),
        choices=(
            ("self", _("I am the patient")),
            ("parent_guardian", _("A parent or guardian of the patient")),
            ("carer", _("A caregiver for an adult who cannot make this decision alone")),
        ),
    ),
    Question(
        "representative_name",
        "respondent",
        "text",
        label=_("What is your full name?"),
        help_text=_("The name of the parent, guardian or caregiver filling in this form."),
        staff_label=_("Representative"),
        when=asked_when("representative_name", _("someone else fills in the form for the patient")),
        max_length=100,
    ),
    Question(
        "representative_relationship",
        "respondent",
        "text",
        label=_("What is your relationship to the patient?"),
        help_text=_("For example: mother, father, legal guardian, son, daughter or caregiver."),
        staff_label=_("Relationship to the patient"),
        when=intake_only_when(
            "representative_relationship",
            AskedWhen("completed_by", "not_equals", "self"),
            _("someone else fills in the form for the patient"),
        ),
        max_length=100,
    ),
)

_ABOUT = (
    Question(
        "first_name",
        "about",
        "text",
        label=_("What is your first name?"),
        help_text=_("Your given name."),
        label_for_other=_("What is the patient's first name?"),
        help_for_other=_("The patient's given name, not yours."),
        staff_label=_("First name"),
        max_length=100,
    ),
    Question(
        "last_name",
        "about",
        "text",
        label=_("What is your last name?"),
        help_text=_("Your family name (surname)."),
        label_for_other=_("What is the patient's last name?"),
        help_for_other=_("The patient's family name (surname)."),
        staff_label=_("Last name"),
        max_length=100,
    ),
    Question(
        "date_of_birth",
        "about",
        "date",
        label=_("What is your date of birth?"),
        help_text=_("Pick or type the day, month and year you were born."),
        label_for_other=_("What is the patient's date of birth?"),
        help_for_other=_("Pick or type the day, month and year the patient was born."),
        staff_label=_("Date of birth"),
        max_age=MAX_AGE_YEARS,
    ),
    Question(
        "email",
        "about",
        "email",
        label=_("What is your email address?"),
        help_text=_(
            "We send your receipt here, a link to finish this form later, "
            "and the details of your visit."
        ),
        staff_label=_("Email"),
        max_length=254,
    ),
    Question(
        "phone",
        "about",
        "phone",
        label=_("What is your phone number?"),
        help_text=_(
            "Use numbers, spaces and + - ( ) only. "
            "We call this number if your answers need a quick reply."
        ),
        staff_label=_("Phone"),
        max_length=32,
    ),
    Question(
        "preferred_contact",
        "about",
        "choice",
        label=_("How should we contact you?"),
        staff_label=_("Preferred contact"),
        choices=(("phone", _("Phone call")), ("sms", _("Text message")), ("email", _("Email"))),
    ),
    Question(
        "language",
        "about",
        "choice",
        label=_("Which language should we use when we contact you?"),
        staff_label=_("Language"),
        choices=(("en", _("English")), ("es", _("Español"))),
    ),
)

_PAIN = (
    Question(
        "pain_location",
        "pain",
        "choice",
        label=_("Where does your heel hurt the most?"),
        help_text=_("Pick the one place that hurts most."),
        staff_label=_("Pain location"),
        choices=(
            ("heel_bottom_inner", _("Under the heel, toward the inside and front edge")),
            ("heel_centre", _("In the middle of the heel pad")),
            ("heel_back", _("At the back of the heel (the Achilles tendon)")),
            ("arch", _("In the arch only")),
            ("inner_ankle", _("On the inside of the ankle")),
            ("outer_foot", _("On the outer side of the foot")),
            ("whole_heel", _("All over the heel")),
            ("other", _("Somewhere else")),
        ),
    ),
    Question(
        "pain_side",
        "pain",
        "choice",
        label=_("Which foot hurts?"),
        staff_label=_("Side"),
        choices=(("left", _("Left")), ("right", _("Right")), ("both", _("Both"))),
    ),
    Question(
        "pain_duration",
        "pain",
        "choice",
        label=_("How long has it hurt?"),
        staff_label=_("Duration"),
        choices=(
            ("lt_2w", _("Less than 2 weeks")),
            ("2w_6w", _("2 to 6 weeks")),
            ("6w_3m", _("6 weeks to 3 months")),
            ("3m_6m", _("3 to 6 months")),
            ("6m_12m", _("6 to 12 months")),
            ("gt_12m", _("More than 12 months")),
        ),
    ),
    Question(
        "onset",
        "pain",
        "choice",
        label=_("How did the pain start?"),
        staff_label=_("Onset"),
        choices=(
            ("gradual", _("Slowly, over days or weeks")),
            ("sudden_injury", _("Suddenly, with a fall, a landing from a jump, or a twist")),
            ("sudden_no_injury", _("Suddenly, without an injury")),
        ),
    ),
    Question(
        "load_increase",
        "pain",
        "bool",
        label=_("Before the pain started, were you on your feet much more than usual?"),
        help_text=_(
            "For example: more standing, walking or running, "
            "or a change to harder floors or ground."
        ),
        staff_label=_("Load increase before onset"),
    ),
    Question(
        "first_step_pain",
        "pain",
        "choice",
        label=_(
            "Is the pain worst with your first steps in the morning or after sitting, "
            "and then easier after a few minutes of walking?"
        ),
        staff_label=_("First-step pain"),
        choices=_YES_NO_UNSURE,
    ),
    Question(
        "eases_with_rest",
        "pain",
        "bool",
        label=_("Does the pain settle down when you are off your feet?"),
        staff_label=_("Eases with rest"),
    ),
    Question(
        "can_hop",
        "pain",
        "choice",
        label=_("Can you hop on the painful foot?"),
        help_text=_("Only try if it feels safe. If you did not try, choose “Not sure”."),
        staff_label=_("Can hop on painful foot"),
        choices=_YES_NO_UNSURE,
    ),
    Question(
        "nprs_first_step",
        "pain",
        "int",
        label=_("How bad is the pain with your first steps in the morning?"),
        help_text=_("0 means no pain. 10 means the worst pain you can imagine."),
        staff_label=_("Pain, first steps (0–10)"),
        min_value=0,
        max_value=10,
    ),
    Question(
        "nprs_average",
        "pain",
        "int",
        label=_("In the past week, how bad was the pain on average?"),
        help_text=_("0 means no pain. 10 means the worst pain you can imagine."),
        staff_label=_("Pain, week average (0–10)"),
        min_value=0,
        max_value=10,
    ),
    Question(
        "nprs_worst",
        "pain",
        "int",
        label=_("In the past week, how bad was the pain at its worst?"),
        help_text=_(
            "0 means no pain. 10 means the worst pain you can imagine. "
            "This can't be lower than your average pain."
        ),
        staff_label=_("Pain, week worst (0–10)"),
        min_value=0,
        max_value=10,
    ),
    Question(
        "nerve_symptoms",
        "pain",
        "bool",
        label=_(
            "Do you feel burning, tingling, pins and needles, numbness "
            "or electric shocks in your heel or sole?"
        ),
        help_text=_("The sole is the bottom of your foot."),
        staff_label=_("Nerve symptoms"),
    ),
    Question(
        "radiating_back_pain",
        "pain",
        "bool",
        label=_("Does pain spread down from your back or buttock into your leg?"),
        staff_label=_("Pain radiating from back"),
    ),
    Question(
        "prior_treatments",
        "pain",
        "multi",
        label=_("What have you already tried for this pain?"),
        help_text=_("Choose all that apply, or “None of these”."),
        staff_label=_("Prior treatments"),
        choices=(
            ("stretching", _("Stretching")),
            ("taping", _("Taping the foot")),
            ("insoles", _("Insoles or arch supports")),
            ("night_splint", _("A night splint (a brace you wear in bed)")),
            ("physiotherapy", _("Physical therapy")),
            ("shockwave", _("Shockwave therapy")),
            ("steroid_injection", _("A steroid (cortisone) shot in the heel")),
            ("pain_medication", _("Pain medicine")),
            ("surgery", _("Surgery")),
            ("none", _("None of these")),
        ),
    ),
    Question(
        "last_steroid_injection",
        "pain",
        "date",
        label=_("When did you last have a steroid shot in your heel?"),
        help_text=_("The date of the most recent shot. If you don't know the day, guess."),
        staff_label=_("Last steroid injection"),
        when=asked_when("last_steroid_injection", _("you have had a steroid shot in the heel")),
    ),
    Question(
        "height_cm",
        "pain",
        "decimal",
        label=_("How tall are you?"),
        help_text=_("You can skip this. Choose feet and inches or centimeters."),
        staff_label=_("Height (cm)"),
        required=False,
        min_value=50,
        max_value=250,
    ),
    Question(
        "weight_kg",
        "pain",
        "decimal",
        label=_("How much do you weigh?"),
        help_text=_("You can skip this. Choose pounds or kilograms."),
        staff_label=_("Weight (kg)"),
        required=False,
        min_value=20,
        max_value=350,
    ),
    Question(
        "standing_hours",
        "pain",
        "int",
        label=_("At work, about how many hours a day are you on your feet?"),
        help_text=_("You can skip this. A whole number from 0 to 24."),
        staff_label=_("Hours standing a day"),
        required=False,
        min_value=0,
        max_value=24,
    ),
    Question(
        "activity_level",
        "pain",
        "choice",
        label=_("How active are you?"),
        staff_label=_("Activity level"),
        choices=(
            ("sedentary", _("Mostly sitting")),
            ("light", _("Light: short walks, housework")),
            ("moderate", _("Moderate: brisk walking or cycling a few times a week")),
            ("vigorous", _("Vigorous: running, sports or hard physical work")),
        ),
    ),
    Question(
        "goals",
        "pain",
        "text",
        label=_("What would you like to be able to do again?"),
        help_text=_(
            "You can skip this. For example: walk the dog for 30 minutes, "
            "play soccer, stand through a work shift."
        ),
        staff_label=_("Goals"),
        required=False,
        max_length=1000,
    ),
)

_RED_FLAGS = (
    Question(
        "fever_unwell",
        "red_flags",
        "bool",
        label=_("Right now, do you have a fever or chills, or feel sick all over?"),
        staff_label=_("Fever or unwell"),
    ),
    Question(
        "hot_red_swollen",
        "red_flags",
        "bool",
        label=_("Is your heel or foot hot, red or swollen?"),
        staff_label=_("Hot, red or swollen foot"),
    ),
    Question(
        "wound_or_ulcer",
        "red_flags",
        "bool",
        label=_("Do you have an open wound, sore or ulcer on your foot?"),
        help_text=_("An ulcer is an open sore that does not heal."),
        staff_label=_("Wound or ulcer"),
    ),
    Question(
        "puncture_wound",
        "red_flags",
        "bool",
        label=_(
            "In the last 2 weeks, did something sharp, like a nail or glass, "
            "go into the bottom of your foot?"
        ),
        staff_label=_("Sole puncture (2 weeks)"),
    ),
    Question(
        "puncture_worsening",
        "red_flags",
        "bool",
        label=_("Has the pain been getting worse since then?"),
        staff_label=_("Worse since puncture"),
        when=asked_when(
            "puncture_worsening", _("something sharp went into your foot in the last 2 weeks")
        ),
    ),
    Question(
        "can_bear_weight",
        "red_flags",
        "bool",
        label=_("Can you stand on the painful foot and take four steps?"),
        help_text=_("Limping is OK."),
        staff_label=_("Can bear weight"),
    ),
    Question(
        "achilles_pop",
        "red_flags",
        "bool",
        label=_(
            "Since this pain began, did you feel a sudden pop or snap at the back of your "
            "heel or calf, and has it been hard to push off or stand on tiptoe since then?"
        ),
        help_text=_(
            "The calf is the back of your lower leg. "
            "Some people say it felt like being kicked there."
        ),
        staff_label=_("Achilles pop or snap"),
    ),
    Question(
        "calf_swelling",
        "red_flags",
        "bool",
        label=_(
            "In the past 2 weeks, has one calf or leg become swollen, warm, red or sore to touch?"
        ),
        help_text=_(
            "The calf is the back of your lower leg. "
            "Do not count swelling you have had for a long time."
        ),
        staff_label=_("New calf or leg swelling"),
    ),
    Question(
        "cold_pale_foot",
        "red_flags",
        "bool",
        label=_(
            "Lately, has your foot or toes become colder, paler, bluer or darker "
            "than the other foot?"
        ),
        help_text=_(
            "Also answer Yes if your foot hurts at rest and feels better "
            "when you hang it down over the edge of the bed."
        ),
        staff_label=_("Cold, pale or dark foot"),
    ),
    Question(
        "saddle_or_bladder",
        "red_flags",
        "bool",
        label=_(
            "Do you have new numbness between your legs, or new trouble controlling "
            "your bladder or bowels?"
        ),
        help_text=_("This means trouble holding in or letting out urine (pee) or stool (poop)."),
        staff_label=_("Saddle numbness or bladder/bowel change"),
    ),
    Question(
        "foot_weakness",
        "red_flags",
        "bool",
        label=_("Is your foot or ankle newly weak? For example, does your foot drag or slap?"),
        staff_label=_("New foot weakness"),
    ),
    Question(
        "night_pain",
        "red_flags",
        "bool",
        label=_(
            "Do you have pain at night or at rest that does not get better "
            "when you change position?"
        ),
        staff_label=_("Night or rest pain"),
    ),
    Question(
        "weight_loss",
        "red_flags",
        "bool",
        label=_("Have you lost weight without trying, or had night sweats?"),
        help_text=_("Night sweats means waking up wet with sweat."),
        staff_label=_("Weight loss or night sweats"),
    ),
    Question(
        "cancer",
        "red_flags",
        "choice",
        label=_("Have you had cancer?"),
        staff_label=_("Cancer"),
        choices=(
            ("none", _("No, not in the past 5 years")),
            ("past_5y", _("Yes, treated in the past 5 years")),
            ("current", _("Yes, I have cancer now (treated or not)")),
        ),
    ),
    Question(
        "inflammatory_signs",
        "red_flags",
        "multi",
        label=_("Do any of these apply to you?"),
        help_text=_("Choose all that apply, or “None of these”."),
        staff_label=_("Inflammatory features"),
        choices=(
            ("back_stiffness", _("Back stiffness that gets better with exercise, from before 45")),
            ("swollen_joints", _("Other swollen joints")),
            ("sausage_toe", _("A whole toe swollen like a sausage")),
            ("psoriasis", _("Psoriasis (a skin problem with red, scaly patches)")),
            ("bowel_disease", _("Crohn's disease or ulcerative colitis (bowel diseases)")),
            ("eye_inflammation", _("Eye inflammation (uveitis): a red, painful eye")),
            ("recent_infection", _("A stomach, bladder or genital infection in the past month")),
            ("family_history", _("A relative with spondylitis (spine arthritis) or psoriasis")),
            ("none", _("None of these")),
        ),
    ),
    Question(
        "diabetes",
        "red_flags",
        "bool",
        label=_("Do you have diabetes?"),
        staff_label=_("Diabetes"),
    ),
    Question(
        "numb_feet",
        "red_flags",
        "bool",
        label=_("Is the feeling in your feet reduced?"),
        help_text=_("For example, your feet feel numb or you can't feel a light touch well."),
        staff_label=_("Reduced feeling in feet"),
        when=asked_when("numb_feet", _("you have diabetes")),
    ),
)

_NEEDLING = (
    Question(
        "needle_willing",
        "needling",
        "choice",
        label=_("Are you willing to have fine needles put in your skin as part of treatment?"),
        help_text=_(
            "Dry needling uses very thin needles, with no medicine in them, "
            "to treat tight and painful muscles."
        ),
        staff_label=_("Willing to be needled"),
        choices=(("yes", _("Yes")), ("unsure", _("Not sure")), ("no", _("No"))),
    ),
    Question(
        "needle_fear",
        "needling",
        "choice",
        label=_("How do you feel about needles?"),
        staff_label=_("Needle fear"),
        choices=(
            ("none", _("I am fine with needles")),
            ("anxious", _("A bit nervous")),
            ("phobia", _("Very afraid (a phobia)")),
            ("fainted", _("I have fainted with needles, shots or blood tests")),
        ),
    ),
    Question(
        "lymphoedema",
        "needling",
        "bool",
        label=_(
            "Do you have long-term swelling (lymphedema) of the painful leg, "
            "or were lymph nodes taken out of your groin on that side?"
        ),
        help_text=_(
            "Lymphedema is swelling that stays because fluid does not drain well. "
            "Lymph nodes are small glands; surgeons sometimes remove them."
        ),
        staff_label=_("Lymphoedema"),
    ),
    Question(
        "skin_problem_at_site",
        "needling",
        "bool",
        label=_(
            "Where it hurts, do you have a cut, infection, rash, eczema, psoriasis flare, "
            "varicose veins or numb skin?"
        ),
        help_text=_("Varicose veins are swollen, twisted veins you can see under the skin."),
        staff_label=_("Skin problem at site"),
    ),
    Question(
        "blood_thinners",
        "needling",
        "bool",
        label=_("Do you take a blood thinner?"),
        help_text=_(
            "For example: warfarin (Coumadin), apixaban (Eliquis), rivaroxaban (Xarelto), "
            "clopidogrel (Plavix), or aspirin every day."
        ),
        staff_label=_("Blood thinners"),
    ),
    Question(
        "bleeding_disorder",
        "needling",
        "bool",
        label=_("Has a doctor told you that you have a bleeding disorder?"),
        help_text=_(
            "For example, hemophilia or von Willebrand disease, "
            "where the blood does not clot as it should."
        ),
        staff_label=_("Bleeding disorder"),
    ),
    Question(
        "pregnant",
        "needling",
        "choice",
        label=_("Are you pregnant, maybe pregnant, or trying to get pregnant?"),
        staff_label=_("Pregnancy"),
        choices=(
            ("no", _("No")),
            ("yes", _("Yes")),
            ("possibly", _("Maybe, or trying to get pregnant")),
            ("not_applicable", _("This does not apply to me")),
        ),
    ),
    Question(
        "immunosuppressed",
        "needling",
        "bool",
        label=_("Is your immune system weak?"),
        help_text=_(
            "For example, because of chemotherapy, transplant medicines, biologic medicines, "
            "steroid pills taken for a long time, or HIV."
        ),
        staff_label=_("Immunosuppressed"),
    ),
    Question(
        "epilepsy",
        "needling",
        "choice",
        label=_("Do you have seizures (epilepsy)?"),
        help_text=_("Controlled means treatment stops your seizures."),
        staff_label=_("Epilepsy"),
        choices=(
            ("none", _("No")),
            ("controlled", _("Yes, and they are controlled")),
            ("uncontrolled", _("Yes, and they are not controlled")),
        ),
    ),
    Question(
        "metal_allergy",
        "needling",
        "bool",
        label=_("Are you allergic to nickel, chromium or stainless steel?"),
        help_text=_("For example, cheap jewelry or a belt buckle gives you a rash."),
        staff_label=_("Metal allergy"),
    ),
    Question(
        "implanted_device",
        "needling",
        "bool",
        label=_(
            "Do you have a pacemaker, defibrillator, nerve stimulator or another "
            "electrical device inside your body?"
        ),
        staff_label=_("Implanted electrical device"),
    ),
    Question(
        "heart_valve",
        "needling",
        "bool",
        label=_(
            "Do you have heart-valve disease or an artificial heart valve, "
            "or have you had endocarditis?"
        ),
        help_text=_("Endocarditis is an infection inside the heart."),
        staff_label=_("Heart valve or endocarditis"),
    ),
    Question(
        "poor_circulation",
        "needling",
        "bool",
        label=_("Do you have poor blood flow in your legs?"),
        help_text=_(
            "For example, peripheral artery disease, or leg pain when you walk "
            "that stops when you rest (claudication)."
        ),
        staff_label=_("Poor circulation"),
    ),
    Question(
        "foot_surgery",
        "needling",
        "bool",
        label=_(
            "Have you had surgery, a joint replacement, or metal plates or screws "
            "in your foot or ankle?"
        ),
        staff_label=_("Foot or ankle surgery or hardware"),
    ),
    Question(
        "needling_reaction",
        "needling",
        "bool",
        label=_("Have you had a bad reaction to acupuncture or dry needling before?"),
        staff_label=_("Previous needling reaction"),
    ),
    Question(
        "medications",
        "needling",
        "text",
        label=_("What medicines do you take now?"),
        help_text=_("You can skip this. Include pills, shots, creams and supplements."),
        staff_label=_("Medications"),
        required=False,
        max_length=1000,
    ),
)

_CONSENT = (
    Question(
        "consent_privacy",
        "consent",
        "bool",
        label=_("I agree that the clinic may store and use my answers to arrange my care."),
        label_for_other=_(
            "I am the patient's parent or legal guardian, or I may decide about their care, "
            "and I agree that the clinic may store and use these answers to arrange their care."
        ),
        help_text=_("Our privacy notice explains how we keep your information safe."),
        staff_label=_("Privacy consent"),
        must_be_true=True,
    ),
    Question(
        "consent_risks",
        "consent",
        "bool",
        label=_("I have read what dry needling involves and what its risks are."),
        help_text=_(
            "Bruising, a little bleeding, or soreness for a day or two are common: "
            "about 1 treatment in 5 to 1 in 3 has a small effect like this that soon goes away. "
            "Infection is rare. Serious problems are very rare "
            "(fewer than 1 in 1,000 treatments)."
        ),
        staff_label=_("Risks consent"),
        must_be_true=True,
    ),
    Question(
        "consent_accurate",
        "consent",
        "bool",
        label=_("My answers are true, as far as I know."),
        label_for_other=_("These answers about the patient are true, as far as I know."),
        staff_label=_("Answers accurate"),
        must_be_true=True,
    ),
    Question(
        "signature",
        "consent",
        "text",
        label=_("Type your full name to sign."),
        help_text=_("This is your signature. We save it with the date and time you sign."),
        label_for_other=_("Type your own full name to sign for the patient."),
        help_for_other=_(
            "You sign as the patient's parent, guardian or caregiver. "
            "We save your signature with the date and time you sign."
        ),
        staff_label=_("Signature"),
        max_length=200,
    ),
)

SECTIONS: tuple[Section, ...] = (
    Section("respondent", _("Who is filling in the form"), _RESPONDENT),
    Section("about", _("About you"), _ABOUT, title_for_other=_("About the patient")),
    Section("pain", _("Your heel pain"), _PAIN),
    Section("red_flags", _("Other symptoms"), _RED_FLAGS),
    Section("needling", _("Needling safety"), _NEEDLING),
    Section("consent", _("Consent"), _CONSENT),
)
SECTIONS_BY_CODE: dict[str, Section] = {s.code: s for s in SECTIONS}
QUESTIONS: dict[str, Question] = {q.code: q for s in SECTIONS for q in s.questions}
SCREENED_SECTIONS: tuple[SectionCode, ...] = (
    "respondent",
    "about",
    "pain",
    "red_flags",
    "needling",
)
