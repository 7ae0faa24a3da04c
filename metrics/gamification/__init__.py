"""Gamification (issue 9): points with weights set by admins, leaderboards, badges
awarded by an idempotent rule engine, and time-boxed challenges.

How the figures are made, in one place:

- Facts are `ParticipationEvent`s. `services.contributions_recompute` counts them
  per member, day and kind into `DailyContribution`, as every public ranking
  counts: only contribution kinds (never visits, reads, searches or reports),
  never events in secret groups, an accepted invitation credited to the inviter
  (the event's actor is the newcomer), and an act that can be undone and redone
  (a reaction, a follow, joining a group, an accepted answer, an endorsement)
  once per object a day. Recomputing days replaces their rows: idempotent.
- `MemberPoints` holds each member's points this week (from Monday), this month
  and in all: the daily counts times the admin's `PointsWeight`s. A weight
  change recomputes every member from the daily counts (no event rescan).
- Badges are rules "at least N contributions of a kind"; `services.badges_award`
  inserts only missing awards (one per member and badge, a unique constraint
  guards concurrent runs), so running it again awards nothing new.
- Challenges are read live from the events (refreshed every 30 s on the page):
  an entrant's contributions of the challenge's kind from its first day to its
  last, also those made before they opted in (opting in is about being shown,
  not about when the work was done).
- Leaderboards and challenge rankings leave out deactivated members and, for
  everyone but themselves, members hidden from rankings (`RankingPreference`);
  those are no rank position either. Ties share a rank ("1, 2, 2, 4").

`tasks.gamification_refresh_recent` (hourly, next to the rollups) or the
`gamification_rebuild` command keep the derived tables up to date.
"""
