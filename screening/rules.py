"""The triage rules, one small documented unit each, and the terms they read.

Each rule's `source` names a heading of docs/clinical.md, where the rule is explained with its
evidence.

Pure on purpose: no ORM, no request, no settings, no translation machinery; callers pass the
Policy in. Texts are English message ids marked with `_` so that `makemessages` extracts them;
whoever shows or stores a text translates it (`translate=gettext`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from .conditional import CONDITIONAL_CODES

Translate = Callable[[str], str]


def _(text: str) -> str:
    """Mark text for translation (xgettext extracts `_("...")`); the caller translates it."""
    return text


def untranslated(text: str) -> str:
    """The default `translate`: the English text as written."""
    return text


# Bump whenever any rule, its order or its condition changes (tests hold ids and version together).
RULESET_VERSION = "2026.11.1"

Outcome = Literal["urgent", "refer", "no_needling", "review", "eligible"]
Advice = Literal["now", "today"]
# The outcomes, most severe first, with their staff-facing names (English message ids). The one
# list of outcomes: intake.models.Outcome (the stored choices) is built from it.
OUTCOME_LABELS: dict[Outcome, str] = {
    "urgent": _("Urgent"),
    "refer": _("Refer"),
    "no_needling": _("No needling"),
    "review": _("Review"),
    "eligible": _("Eligible"),
}
OUTCOMES: tuple[Outcome, ...] = tuple(OUTCOME_LABELS)
SEVERITY: dict[str, int] = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}

# Upper limit of each pain_duration band in weeks; None = no upper limit.
DURATION_UPPER_WEEKS: dict[str, int | None] = {
    "lt_2w": 2,
    "2w_6w": 6,
    "6w_3m": 13,
    "3m_6m": 26,
    "6m_12m": 52,
    "gt_12m": None,
}


def age_on(born: date, on: date) -> int:
    """Age in whole years on a date; someone born on 29 February ages on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Policy:
    """The clinic's adjustable thresholds (Django settings SCREENING_*), frozen into each result."""

    min_duration_weeks: int = 6
    steroid_window_weeks: int = 12
    age_of_majority: int = 18

    @classmethod
    def from_settings(cls, settings_obj: object) -> Policy:
        """Read the SCREENING_* values from a settings object (passed in to keep this pure)."""
        return cls(
            min_duration_weeks=int(getattr(settings_obj, "SCREENING_MIN_DURATION_WEEKS", 6)),
            steroid_window_weeks=int(getattr(settings_obj, "SCREENING_STEROID_WINDOW_WEEKS", 12)),
            age_of_majority=int(getattr(settings_obj, "SCREENING_AGE_OF_MAJORITY", 18)),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "min_duration_weeks": self.min_duration_weeks,
            "steroid_window_weeks": self.steroid_window_weeks,
            "age_of_majority": self.age_of_majority,
        }


class Facts(dict[str, Any]):
    """The answers as the rules read them, plus the terms derived from them (age, n_inflam...)."""

    __slots__ = ("age", "n_inflam", "duration_weeks", "steroid_days", "policy")
    age: int
    n_inflam: int
    duration_weeks: int | None  # upper limit of the pain_duration band
    steroid_days: int | None  # days from last_steroid_injection to the screening date
    policy: Policy

    def __missing__(self, code: str) -> Any:
        # Only conditional answers may be absent; any other missing code is a bug, not a "no".
        if code in CONDITIONAL_CODES:
            return False
        raise KeyError(code)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def facts_for(answers: Mapping[str, object], *, screening_date: date, policy: Policy) -> Facts:
    facts = Facts(answers)
    facts.policy = policy
    facts.age = age_on(_as_date(facts["date_of_birth"]), screening_date)
    facts.n_inflam = len([sign for sign in facts["inflammatory_signs"] if sign != "none"])
    facts.duration_weeks = DURATION_UPPER_WEEKS[facts["pain_duration"]]
    injected = facts.get("last_steroid_injection")
    facts.steroid_days = (screening_date - _as_date(injected)).days if injected else None
    return facts


_NOW = _("Call 911 or go to the nearest emergency room now. Do not wait for our call.")
_TODAY = _(
    "Please get seen by a doctor today, at an urgent care center or an emergency room. "
    "Do not wait for our call. If it gets worse, call 911."
)
# Where to go, by advice level (English message ids). Also shown on its own when a stored
# finding's rule is no longer in RULES (an older ruleset).
SAFETY_ADVICE_BY_LEVEL: dict[str, str] = {"now": _NOW, "today": _TODAY}


@dataclass(frozen=True)
class Rule:
    """One triage rule: fires when `condition` holds for the facts.

    `source` is the heading of docs/clinical.md that explains the rule and its evidence.
    """

    id: str
    outcome: Outcome
    condition: Callable[[Facts], object]
    reason: str  # staff-facing: what was reported and why it matters
    source: str
    advice: Advice | None = None  # urgent rules only
    told: str | None = None  # urgent rules only: what the patient told us, in their words

    def safety_advice(self, translate: Translate = untranslated) -> str | None:
        """Patient-facing text of an urgent rule: what they told us, then where to go now.

        It never names a diagnosis. Translated piece by piece, as the pieces are the messages.
        """
        if self.advice is None or self.told is None:
            return None
        return f"{translate(self.told)} {translate(SAFETY_ADVICE_BY_LEVEL[self.advice])}"


def _urgent(
    id: str,
    condition: Callable[[Facts], object],
    *,
    advice: Advice,
    reason: str,
    told: str,
    source: str,
) -> Rule:
    return Rule(id, "urgent", condition, reason, source, advice, told)


RULES: tuple[Rule, ...] = (
    # --- urgent ---
    _urgent(
        "infection_signs",
        lambda f: f["fever_unwell"] and f["hot_red_swollen"],
        advice="now",
        reason=_("Fever with a hot, red or swollen foot: possible infection or septic joint."),
        told=_("You told us you have a fever and a hot, red or swollen foot."),
        source="Urgent: infection",
    ),
    _urgent(
        "diabetic_foot_wound",
        lambda f: f["diabetes"] and f["wound_or_ulcer"],
        advice="today",
        reason=_("Diabetes with a foot wound or ulcer: active diabetic foot problem."),
        told=_("You told us you have diabetes and a wound or sore on your foot."),
        source="Urgent: diabetic foot",
    ),
    _urgent(
        "wound_with_fever",
        lambda f: f["wound_or_ulcer"] and f["fever_unwell"],
        advice="now",
        reason=_("Foot wound with fever: possible deep infection."),
        told=_("You told us you have a wound on your foot and a fever."),
        source="Urgent: infection",
    ),
    _urgent(
        "puncture_infection_signs",
        lambda f: f["puncture_wound"] and (f["puncture_worsening"] or f["fever_unwell"]),
        advice="today",
        reason=_(
            "Sole puncture in the last 2 weeks with worsening pain or fever: "
            "possible deep infection (osteomyelitis risk)."
        ),
        told=_(
            "You told us something sharp went into your foot and the pain is getting worse "
            "or you have a fever."
        ),
        source="Urgent: infection",
    ),
    _urgent(
        "fever_immunosuppressed",
        lambda f: f["fever_unwell"] and f["immunosuppressed"],
        advice="now",
        reason=_("Fever with a weakened immune system: possible serious infection."),
        told=_("You told us you have a fever and a weak immune system."),
        source="Urgent: infection",
    ),
    _urgent(
        "charcot_signs",
        lambda f: f["diabetes"] and f["hot_red_swollen"] and not f["fever_unwell"],
        advice="today",
        reason=_(
            "Diabetes with a hot, red or swollen foot: possible Charcot foot; "
            "treat as Charcot until shown otherwise."
        ),
        told=_("You told us you have diabetes and a hot, red or swollen foot."),
        source="Urgent: diabetic foot",
    ),
    _urgent(
        "cannot_bear_weight",
        lambda f: not f["can_bear_weight"],
        advice="today",
        reason=_("Cannot bear weight and take four steps: possible fracture."),
        told=_("You told us you cannot stand on your foot and take four steps."),
        source="Urgent: fracture or tendon rupture",
    ),
    _urgent(
        "achilles_rupture_signs",
        lambda f: f["achilles_pop"],
        advice="today",
        reason=_(
            "Sudden pop or snap at the back of the heel with weak push-off: possible Achilles "
            "rupture; delay past 24 h worsens options; walking does not rule it out."
        ),
        told=_(
            "You told us you felt a sudden pop or snap at the back of your heel or calf. "
            "Being able to walk does not mean it is minor."
        ),
        source="Urgent: fracture or tendon rupture",
    ),
    _urgent(
        "dvt_signs",
        lambda f: f["calf_swelling"],
        advice="today",
        reason=_("New swollen, warm, red or tender calf or leg: possible deep-vein thrombosis."),
        told=_(
            "You told us one calf or leg has become swollen, warm, red or sore. "
            "If you get short of breath or have chest pain, call 911 at once."
        ),
        source="Urgent: blood vessels",
    ),
    _urgent(
        "ischaemia_signs",
        lambda f: f["cold_pale_foot"],
        advice="now",
        reason=_(
            "Foot colder, paler, bluer or darker, or rest pain: possible loss of blood supply."
        ),
        told=_("You told us your foot or toes have become colder, paler, bluer or darker."),
        source="Urgent: blood vessels",
    ),
    _urgent(
        "cauda_equina_signs",
        lambda f: f["saddle_or_bladder"],
        advice="now",
        reason=_("New saddle numbness or bladder/bowel change: possible cauda equina compression."),
        told=_(
            "You told us about new numbness between your legs or new trouble "
            "with your bladder or bowels."
        ),
        source="Urgent: nerves and spine",
    ),
    _urgent(
        "neurological_deficit",
        lambda f: f["foot_weakness"],
        advice="today",
        reason=_("New foot or ankle weakness (foot drop): needs same-day assessment."),
        told=_("You told us your foot or ankle has become weak."),
        source="Urgent: nerves and spine",
    ),
    # --- refer ---
    Rule(
        "serious_pathology_signs",
        "refer",
        lambda f: f["night_pain"] or f["weight_loss"],
        _(
            "Night or rest pain, or unexplained weight loss: points away from plantar fasciitis "
            "(tumour, infection, systemic disease)."
        ),
        "Refer: serious illness",
    ),
    Rule(
        "active_cancer",
        "refer",
        lambda f: f["cancer"] == "current",
        _("Current cancer: heel pain needs medical assessment; no needling near a tumour."),
        "Refer: serious illness",
    ),
    Rule(
        "currently_unwell",
        "refer",
        lambda f: (
            f["fever_unwell"]
            and not f["hot_red_swollen"]
            and not f["wound_or_ulcer"]
            and not f["puncture_wound"]
            and not f["immunosuppressed"]
        ),
        _("Fever or acutely unwell: a bar to needling now; fever needs a medical look."),
        "Refer: serious illness",
    ),
    Rule(
        "stress_fracture_signs",
        "refer",
        lambda f: f["load_increase"] and (f["can_hop"] == "no" or not f["eases_with_rest"]),
        _(
            "Load increase with inability to hop or pain not eased by rest: possible calcaneal "
            "stress fracture; imaging before needling."
        ),
        "Refer: another cause of heel pain",
    ),
    Rule(
        "inflammatory_arthritis_signs",
        "refer",
        lambda f: f.n_inflam >= 2 or (f.n_inflam >= 1 and f["pain_side"] == "both"),
        _(
            "Spondyloarthritis features (two or more, or one with pain in both heels): "
            "possible inflammatory arthritis."
        ),
        "Refer: another cause of heel pain",
    ),
    Rule(
        "hot_swollen_foot",
        "refer",
        lambda f: f["hot_red_swollen"] and not f["fever_unwell"] and not f["diabetes"],
        _("Hot, red or swollen foot without fever: inflammation or gout needs a medical look."),
        "Refer: another cause of heel pain",
    ),
    Rule(
        "open_wound",
        "refer",
        lambda f: f["wound_or_ulcer"] and not f["diabetes"] and not f["fever_unwell"],
        _("Open wound or ulcer on the foot: needs wound care before anything else."),
        "Refer: open wound",
    ),
    # --- no_needling ---
    Rule(
        "declines_needling",
        "no_needling",
        lambda f: f["needle_willing"] == "no",
        _("Does not want needling."),
        "No needling: consent",
    ),
    Rule(
        "needle_phobia",
        "no_needling",
        lambda f: f["needle_fear"] == "phobia",
        _("Needle phobia: absolute contraindication to dry needling."),
        "No needling: safety",
    ),
    Rule(
        "cannot_consent",
        "no_needling",
        lambda f: f["completed_by"] == "carer",
        _("Completed by a carer for an adult who cannot consent alone."),
        "No needling: consent",
    ),
    Rule(
        "lymphoedema",
        "no_needling",
        lambda f: f["lymphoedema"],
        _("Lymphoedema or groin node removal on the painful side: needling risks cellulitis."),
        "No needling: safety",
    ),
    Rule(
        "skin_problem_at_site",
        "no_needling",
        lambda f: f["skin_problem_at_site"],
        _("Broken, infected or numb skin or varicose veins at the site."),
        "No needling: safety",
    ),
    Rule(
        "insensate_foot",
        "no_needling",
        lambda f: f["numb_feet"],
        _("Diabetes with reduced feeling in the feet: no needling into insensate skin."),
        "No needling: safety",
    ),
    Rule(
        "bleeding_disorder",
        "no_needling",
        lambda f: f["bleeding_disorder"],
        _("Diagnosed bleeding disorder: only with the patient's physician's agreement."),
        "No needling: safety",
    ),
    Rule(
        "uncontrolled_epilepsy",
        "no_needling",
        lambda f: f["epilepsy"] == "uncontrolled",
        _("Uncontrolled epilepsy: seizures must be controlled first."),
        "No needling: safety",
    ),
    # --- review ---
    Rule(
        "atypical_location",
        "review",
        lambda f: f["pain_location"] != "heel_bottom_inner",
        _(
            "Pain not at the inner underside of the heel: consider fat pad, Achilles, "
            "tarsal tunnel or midfoot causes."
        ),
        "Review: atypical heel pain",
    ),
    Rule(
        "atypical_pattern",
        "review",
        lambda f: f["first_step_pain"] == "no",
        _("No first-step pain: the hallmark of plantar fasciitis is missing."),
        "Review: atypical heel pain",
    ),
    Rule(
        "pain_not_eased_by_rest",
        "review",
        lambda f: not f["eases_with_rest"],
        _("Pain does not settle with rest: plantar fasciitis pain usually does."),
        "Review: atypical heel pain",
    ),
    Rule(
        "cannot_hop",
        "review",
        lambda f: f["can_hop"] == "no" and not f["load_increase"],
        _("Cannot hop on the painful foot (no load change): possible stress fracture."),
        "Review: atypical heel pain",
    ),
    Rule(
        "nerve_symptoms",
        "review",
        lambda f: f["nerve_symptoms"] or f["radiating_back_pain"],
        _("Nerve symptoms or pain radiating from the back: entrapment or a back source."),
        "Review: atypical heel pain",
    ),
    Rule(
        "bilateral_pain",
        "review",
        lambda f: f["pain_side"] == "both",
        _("Pain in both heels: more often systemic."),
        "Review: atypical heel pain",
    ),
    Rule(
        "early_stage",
        "review",
        lambda f: f.duration_weeks is not None and f.duration_weeks <= f.policy.min_duration_weeks,
        _("Short history: stepped care first (stretching, taping, education)."),
        "Review: stage of care",
    ),
    Rule(
        "sudden_onset",
        "review",
        lambda f: f["onset"] != "gradual",
        _("Sudden onset: a tear or injury rather than overload."),
        "Review: atypical heel pain",
    ),
    Rule(
        "minor",
        "review",
        lambda f: f.age < f.policy.age_of_majority or f["completed_by"] == "parent_guardian",
        _("Minor or completed by a parent/guardian: guardian consent; consider Sever's disease."),
        "Review: minors",
    ),
    Rule(
        "recent_steroid_injection",
        "review",
        lambda f: (
            f.steroid_days is not None and 0 <= f.steroid_days <= 7 * f.policy.steroid_window_weeks
        ),
        _("Recent steroid injection in the heel: fat-pad atrophy and fascia rupture risk."),
        "Review: stage of care",
    ),
    Rule(
        "needling_hesitant",
        "review",
        lambda f: f["needle_willing"] == "unsure" or f["needle_fear"] in ("anxious", "fainted"),
        _("Unsure about needling, anxious, or has fainted with needles: treat lying down, gently."),
        "Review: needling cautions",
    ),
    Rule(
        "blood_thinners",
        "review",
        lambda f: f["blood_thinners"],
        _("Takes anticoagulants or antiplatelets: weigh bleeding risk case by case."),
        "Review: needling cautions",
    ),
    Rule(
        "pregnancy",
        "review",
        lambda f: f["pregnant"] in ("yes", "possibly"),
        _("Pregnant or possibly pregnant: avoid points at the ankle and foot used with caution."),
        "Review: needling cautions",
    ),
    Rule(
        "immunosuppressed",
        "review",
        lambda f: f["immunosuppressed"],
        _("Weakened immune system: infection risk."),
        "Review: needling cautions",
    ),
    Rule(
        "diabetes",
        "review",
        lambda f: f["diabetes"],
        _("Diabetes: peripheral needling and healing risk."),
        "Review: needling cautions",
    ),
    Rule(
        "poor_circulation",
        "review",
        lambda f: f["poor_circulation"],
        _("Poor circulation in the legs: peripheral needling and healing risk."),
        "Review: needling cautions",
    ),
    Rule(
        "controlled_epilepsy",
        "review",
        lambda f: f["epilepsy"] == "controlled",
        _("Controlled epilepsy."),
        "Review: needling cautions",
    ),
    Rule(
        "metal_allergy",
        "review",
        lambda f: f["metal_allergy"],
        _("Allergy to nickel, chromium or stainless steel."),
        "Review: needling cautions",
    ),
    Rule(
        "implanted_device",
        "review",
        lambda f: f["implanted_device"],
        _("Implanted electrical device: no electrical stimulation."),
        "Review: needling cautions",
    ),
    Rule(
        "heart_valve",
        "review",
        lambda f: f["heart_valve"],
        _("Heart-valve disease, artificial valve or past endocarditis: endocarditis risk."),
        "Review: needling cautions",
    ),
    Rule(
        "foot_surgery",
        "review",
        lambda f: f["foot_surgery"],
        _("Past foot or ankle surgery, joint replacement or hardware: avoid needling near it."),
        "Review: needling cautions",
    ),
    Rule(
        "previous_needling_reaction",
        "review",
        lambda f: f["needling_reaction"],
        _("Bad reaction to acupuncture or dry needling before."),
        "Review: needling cautions",
    ),
    Rule(
        "cancer_history",
        "review",
        lambda f: f["cancer"] == "past_5y",
        _("Cancer treated within the past 5 years."),
        "Review: past illness and recent injury",
    ),
    Rule(
        "puncture_wound",
        "review",
        lambda f: f["puncture_wound"] and not f["puncture_worsening"] and not f["fever_unwell"],
        _("Sole puncture in the last 2 weeks, not worsening, no fever: watch for infection."),
        "Review: past illness and recent injury",
    ),
    Rule(
        "possible_inflammatory",
        "review",
        lambda f: f.n_inflam == 1 and f["pain_side"] != "both",
        _("One feature of spondyloarthritis."),
        "Review: atypical heel pain",
    ),
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
