"""The business-plan questionnaire, declared as data (PROGRAM.md's outline).

Question ids shared with the eligibility check (region, district, household_size,
children_under_16, able_to_work_adults, disability, existing_business) are prefilled from the
family's latest finished check and not asked again. The budget cap is the grant amount of the
ruleset, passed in when the form is built.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.forms.conditions import equals, greater_than, is_true
from bot.forms.model import (
    IMAGE_TYPES,
    PDF_TYPES,
    Choice,
    Computed,
    Form,
    Kind,
    Question,
    Section,
    ValueFormat,
)
from bot.forms.places import district_question, region_question
from bot.i18n import N_
from bot.plan.calculations import (
    budget_cap,
    budget_total,
    fewer_children_than_family,
    full_name_words,
    line_total,
    monthly_profit,
    payback_months,
    project_total,
    workers_within_family,
)

PLAN_FORM_ID = "plan"

SECTIONS = (
    Section("applicant", N_("The applicant")),
    Section("family", N_("The family")),
    Section("business", N_("The business")),
    Section("budget", N_("Budget")),
    Section("finance", N_("Income, jobs and risks")),
    Section("documents", N_("Documents")),
)

BUSINESS_TYPES = (
    Choice("livestock", N_("Livestock")),
    Choice("poultry", N_("Poultry")),
    Choice("dairy", N_("Dairy products")),
    Choice("honey", N_("Honey")),
    Choice("fruit", N_("Jams, juices, dried fruit")),
    Choice("felt", N_("Felt and handicrafts")),
    Choice("meat", N_("Meat products")),
    Choice("sewing", N_("Sewing")),
    Choice("greenhouse", N_("Greenhouse, vegetables")),
    Choice("bakery", N_("Bakery")),
    Choice("trade", N_("Trade, village shop")),
    Choice("services", N_("Services (repair, welding…)")),
    Choice("other", N_("Other")),
)

SALES_CHANNELS = (
    Choice("neighbours", N_("Neighbours and the village")),
    Choice("bazaar", N_("Bazaar")),
    Choice("shops", N_("Shops and cafés")),
    Choice("resellers", N_("Resellers, wholesale buyers")),
    Choice("online", N_("Internet, social networks")),
    Choice("orders", N_("To order")),
)


def _upload(qid: str, label: str, short: str, **extra: Any) -> Question:
    return Question(
        qid,
        Kind.UPLOAD,
        label,
        short=short,
        section="documents",
        accept=IMAGE_TYPES | PDF_TYPES,
        **extra,
    )


def build_plan_form(grant_amount: int) -> Form:
    """The questionnaire; `grant_amount` (from the ruleset) caps the budget."""
    text = Kind.TEXT
    long = Kind.LONG_TEXT
    questions = (
        # -- the applicant
        Question(
            "full_name",
            text,
            N_("What is the applicant's full name (surname, name, patronymic)?"),
            short=N_("Full name"),
            section="applicant",
            min_length=5,
            max_length=120,
            constraint=full_name_words,
        ),
        Question(
            "pin",
            Kind.PIN,
            N_("The applicant's PIN (personal identification number)?"),
            short=N_("PIN"),
            section="applicant",
        ),
        Question(
            "phone",
            Kind.PHONE,
            N_("A phone number to reach the family?"),
            short=N_("Phone number"),
            section="applicant",
        ),
        region_question("applicant"),
        district_question("applicant"),
        Question(
            "village",
            text,
            N_("Village (or town) and aiyl okmotu?"),
            short=N_("Village"),
            section="applicant",
            min_length=2,
            max_length=120,
        ),
        # -- the family
        Question(
            "household_size",
            Kind.INTEGER,
            N_("How many people live in your family, you included?"),
            short=N_("Family members"),
            section="family",
            min_value=1,
            max_value=30,
        ),
        Question(
            "children_under_16",
            Kind.INTEGER,
            N_("How many of them are children under 16?"),
            short=N_("Children under 16"),
            section="family",
            min_value=0,
            max_value=25,
            constraint=fewer_children_than_family,
        ),
        Question(
            "able_to_work_adults",
            Kind.INTEGER,
            N_("How many adults in the family are able to work?"),
            short=N_("Adults able to work"),
            section="family",
            min_value=0,
            max_value=30,
            constraint=workers_within_family,
        ),
        Question(
            "disability",
            Kind.YES_NO,
            N_("Is there a person with a disability in the family?"),
            short=N_("Person with a disability"),
            section="family",
        ),
        # -- the business
        Question(
            "business_type",
            Kind.CHOICE,
            N_("What kind of business do you plan?"),
            short=N_("Type of business"),
            section="business",
            choices=BUSINESS_TYPES,
            columns=2,
        ),
        Question(
            "business_other",
            text,
            N_("Please name the business in a few words."),
            short=N_("Business"),
            section="business",
            relevant=equals("business_type", "other"),
            min_length=3,
            max_length=120,
        ),
        Question(
            "existing_business",
            Kind.YES_NO,
            N_("Does the family already run this business?"),
            short=N_("Existing business"),
            help=N_("Answer «No» if it is a new business."),
            section="business",
        ),
        Question(
            "ovop",
            Kind.YES_NO,
            N_(
                "Is the product made mainly from local raw materials "
                "(«One Village – One Product»)?"
            ),
            short=N_("OVOP product from local resources"),
            section="business",
        ),
        Question(
            "description",
            long,
            N_("Describe the business: what will you produce or sell?"),
            short=N_("Description"),
            section="business",
            min_length=20,
        ),
        Question(
            "local_resources",
            long,
            N_("Which local resources will you use (land, livestock, premises, raw materials)?"),
            short=N_("Local resources"),
            section="business",
            min_length=3,
        ),
        Question(
            "skills",
            long,
            N_("What skills and experience does the family have for this?"),
            short=N_("Skills and experience"),
            section="business",
            min_length=3,
        ),
        Question(
            "workers",
            long,
            N_("Who will work in the business?"),
            short=N_("Who will work"),
            section="business",
            min_length=3,
            max_length=500,
        ),
        Question(
            "market",
            long,
            N_("Who will buy, at what price, and where will you sell?"),
            short=N_("Market and buyers"),
            section="business",
            min_length=10,
        ),
        Question(
            "sales_channels",
            Kind.MULTI_CHOICE,
            N_("Where will you sell?"),
            short=N_("Sales channels"),
            section="business",
            choices=SALES_CHANNELS,
        ),
        # -- the budget
        Question(
            "budget",
            Kind.REPEAT,
            N_("The budget: what will you buy with the grant? Add each purchase as a line."),
            short=N_("Purchases from the grant"),
            section="budget",
            help=N_("The total must not be more than the grant; your own money comes next."),
            fields=(
                Question(
                    "item",
                    text,
                    N_("What will you buy?"),
                    short=N_("Item"),
                    max_length=80,
                    min_length=2,
                ),
                Question(
                    "quantity",
                    Kind.INTEGER,
                    N_("How many?"),
                    short=N_("Quantity"),
                    min_value=1,
                    max_value=100_000,
                ),
                Question(
                    "unit_price",
                    Kind.MONEY,
                    N_("The price of one, in som?"),
                    short=N_("Price"),
                    min_value=1,
                    max_value=grant_amount,
                ),
            ),
            subtotal=line_total,
            max_items=15,
            constraint=budget_cap(grant_amount),
        ),
        Question(
            "own_contribution",
            Kind.MONEY,
            N_(
                "How much will the family add from its own money or property, in som? "
                "Send 0 if nothing."
            ),
            short=N_("Own contribution"),
            section="budget",
            min_value=0,
            max_value=10_000_000,
        ),
        Question(
            "own_contribution_note",
            text,
            N_("What does the family contribute (money, land, animals, tools)?"),
            short=N_("What the family contributes"),
            section="budget",
            required=False,
            relevant=greater_than("own_contribution", 0),
            max_length=300,
        ),
        # -- income, jobs, risks
        Question(
            "monthly_revenue",
            Kind.MONEY,
            N_("Expected income from sales per month, in som?"),
            short=N_("Monthly income"),
            section="finance",
            min_value=0,
            max_value=10_000_000,
        ),
        Question(
            "monthly_costs",
            Kind.MONEY,
            N_("Expected costs per month (feed, raw materials, rent, transport), in som?"),
            short=N_("Monthly costs"),
            section="finance",
            min_value=0,
            max_value=10_000_000,
        ),
        Question(
            "start_date",
            Kind.DATE,
            N_("When do you plan to start (dd.mm.yyyy)?"),
            short=N_("Start date"),
            section="finance",
            min_date=lambda today: today,
            max_date=lambda today: today + timedelta(days=730),
        ),
        Question(
            "jobs_created",
            Kind.INTEGER,
            N_("How many jobs will the business create, family members included?"),
            short=N_("Jobs created"),
            section="finance",
            min_value=0,
            max_value=100,
        ),
        Question(
            "risks",
            long,
            N_("What could go wrong (animal disease, weather, prices)?"),
            short=N_("Risks"),
            section="finance",
            min_length=3,
        ),
        Question(
            "risk_plan",
            long,
            N_("What will you do if it happens?"),
            short=N_("How to handle the risks"),
            section="finance",
            min_length=3,
        ),
        # -- documents
        _upload(
            "id_card",
            N_(
                "Please send a photo of the applicant's ID card (passport), the side with the PIN."
            ),
            N_("ID card"),
        ),
        _upload(
            "disability_doc",
            N_("Please send a photo of the disability certificate."),
            N_("Disability certificate"),
            relevant=is_true("disability"),
        ),
        _upload(
            "other_doc",
            N_(
                "Any other document (social passport, land or livestock papers)? "
                "You may skip this."
            ),
            N_("Other document"),
            required=False,
        ),
    )
    computed = (
        Computed("budget_total", N_("Budget total (from the grant)"), budget_total),
        Computed(
            "own_contribution_total", N_("Own contribution"), lambda a: a.get("own_contribution")
        ),
        Computed("project_total", N_("Whole project cost"), project_total),
        Computed("monthly_profit", N_("Expected monthly profit"), monthly_profit),
        Computed("payback_months", N_("Payback"), payback_months, ValueFormat.MONTHS),
    )
    return Form(
        PLAN_FORM_ID,
        N_("Business plan"),
        questions,
        SECTIONS,
        computed,
        review=True,
        submit_label=N_("✅ Submit the application"),
    )
