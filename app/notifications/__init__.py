"""Notifications (issue 13 §4): what an employer must be told of, in its inbox and through the
enabled delivery channels. Imported only by the API routes and the scheduler."""
