"""Views: who sees a referral and how much (visibility, audiences, masking), inbox pages, open-referral search, export and report figures."""
