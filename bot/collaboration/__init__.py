"""The collaboration rhythms: lead follow-ups, the monthly sales–operations summit, and the weekly
digest."""
