"""Users joining the account (what `POST /users` would do; here only the seeded mutations add them)."""

from __future__ import annotations

from lever_pipeline.sandbox.data import Doc
from lever_pipeline.sandbox.store import Store


def add_user(store: Store, name: str, username: str, access_role: str, job_title: str | None) -> Doc:
    """A new active user, created now: listed by /users and readable by id at once."""
    user: Doc = {
        "id": store.new_id(),
        "name": name,
        "username": username,
        "email": f"{username}@acme-recruiting.example",
        "accessRole": access_role,
        "photo": None,
        "createdAt": store.now(),
        "deactivatedAt": None,
        "externalDirectoryId": None,
        "linkedContactIds": None,
        "jobTitle": job_title,
        "managerId": None,
    }
    world = store.world
    world.users.append(user)  # stamped now: after every other user, so the list stays sorted
    world.users_by_id[user["id"]] = user
    return user
