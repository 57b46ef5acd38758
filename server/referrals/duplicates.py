"""Duplicate detection for partner referrals: the same e-mail, phone or company domain already
referred to the program or already a customer, or a company name that is nearly the same."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, utils
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Customer, Referral
from shared.domain import Kind

FUZZY_COMPANY_THRESHOLD = 90.0
_FREE_MAIL = frozenset({"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"})
_COMPANY_SUFFIX = re.compile(r"\b(inc|llc|ltd|corp|co|company|corporation|gmbh)\b\.?", re.I)


def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-10:] if len(digits) >= 10 else digits


def company_domain(email: str, website: str) -> str:
    """The company's domain, from its website or its contact's e-mail (not free mail)."""
    host = re.sub(r"^https?://", "", website.strip().lower()).split("/")[0].removeprefix("www.")
    if host:
        return host
    domain = email.rsplit("@", 1)[1].strip().lower() if "@" in email else ""
    return "" if domain in _FREE_MAIL else domain


def normal_company(name: str) -> str:
    return utils.default_process(_COMPANY_SUFFIX.sub("", name))


@dataclass(frozen=True)
class Prospect:
    company: str
    email: str
    phone: str
    website: str


@dataclass(frozen=True)
class Match:
    of: str  # a referral id, or "customer: <company>"
    reason: str


def match(new: Prospect, earlier: Prospect) -> str:
    """Why `new` duplicates `earlier`, or "" when it does not."""
    if new.email and normal_email(new.email) == normal_email(earlier.email):
        return "same e-mail"
    phone = normal_phone(new.phone)
    if len(phone) >= 7 and phone == normal_phone(earlier.phone):
        return "same phone"
    domain = company_domain(new.email, new.website)
    if domain and domain == company_domain(earlier.email, earlier.website):
        return f"same company domain ({domain})"
    a, b = normal_company(new.company), normal_company(earlier.company)
    if a and b:
        score = fuzz.token_sort_ratio(a, b)
        if score >= FUZZY_COMPANY_THRESHOLD:
            return f"company name {score:.0f}% similar to {earlier.company!r}"
    return ""


async def find_duplicate(session: AsyncSession, program_id: str, new: Prospect) -> Match | None:
    """The first earlier referral to the program, or customer of it, that `new` duplicates."""
    refs = await session.execute(
        select(Referral)
        .where(Referral.program_id == program_id, Referral.kind == Kind.PARTNER)
        .order_by(Referral.created_at)
    )
    for ref in refs.scalars():
        earlier = Prospect(ref.company, ref.contact_email, ref.contact_phone, ref.website)
        if reason := match(new, earlier):
            return Match(ref.id, f"{reason} as {ref.id}")
    customers = await session.execute(select(Customer).where(Customer.program_id == program_id))
    for customer in customers.scalars():
        earlier = Prospect(customer.company, customer.email, customer.phone, customer.website)
        if reason := match(new, earlier):
            return Match(f"customer: {customer.company}", f"already a customer: {reason}")
    return None
