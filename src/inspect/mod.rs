//! The Green Shield workflow: place clues in reserves and zones, focus rules, departments.
