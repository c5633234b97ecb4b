"""A demo that looks like the network: 17 libraries in four reading basins, four
working groups, nineteen people (agents, leads, a coordinator, an administrator)
and six weeks of history.

Everything is made through the services, as people would make it: the history is
played in time order with the clock moved to each moment (``time_machine``), so
every ``utcnow()`` the services read — creation, submission, decisions, the
publisher's run at each publication time — is the moment the step happened. The
dashboard then shows real lead times and publications per week. While the past is
played nobody is mailed (e-mail preferences are off, then put back to the defaults),
people read their notifications now and then (the notification service), no
webhook is registered, and every item still scheduled is due in the future, so the
publisher has nothing old to publish or announce."""
import heapq
import itertools
import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import time_machine
from flask import current_app
from sqlalchemy import select

from .domain import reviews as rv
from .domain import states as st
from .domain.errors import RuleBroken
from .extensions import db
from .models import Item, User, utcnow
from .services import accounts, admin, comments, items, notifications
from .services import channels as channel_service
from .services import groups as group_service
from .services import workflow as workflow_service

PASSWORD = "relais-demo"
DEMO_HASH_METHOD = "pbkdf2:sha256:10000"
PARIS = ZoneInfo("Europe/Paris")
HISTORY_DAYS = 42
# After the demo, nobody has more unread notifications than this (older ones are read).
MAX_UNREAD = 8

BASINS = {
    "Bassin de lecture Nord": ["Médiathèque Jacques-Prévert", "Médiathèque Louise-Michel",
                               "Médiathèque Aimé-Césaire"],
    "Bassin de lecture Sud": ["Médiathèque Simone-Veil", "Bibliothèque des Tilleuls", "Médiathèque Colette",
                              "Bibliothèque du Port", "Médiathèque Albert-Camus"],
    "Bassin de lecture Est": ["Médiathèque George-Sand", "Bibliothèque des Coteaux", "Médiathèque Victor-Hugo",
                              "Bibliothèque de la Gare", "Médiathèque Marie-Curie"],
    "Bassin de lecture Ouest": ["Médiathèque Jules-Verne", "Bibliothèque des Dunes",
                                "Médiathèque Olympe-de-Gouges", "Bibliothèque du Marais"],
}

PEOPLE = [
    # username, display name, library, coordinator, admin
    ("admin", "Administration Relais", "Médiathèque Aimé-Césaire", False, True),
    ("david", "David Moreau", "Médiathèque Louise-Michel", True, False),
    ("alice", "Alice Martin", "Médiathèque Jacques-Prévert", False, False),
    ("bruno", "Bruno Lefèvre", "Médiathèque Louise-Michel", False, False),
    ("chloe", "Chloé Bernard", "Médiathèque Jacques-Prévert", False, False),
    ("emma", "Emma Dubois", "Médiathèque Aimé-Césaire", False, False),
    ("farid", "Farid Benali", "Médiathèque Simone-Veil", False, False),
    ("ines", "Inès Garcia", "Bibliothèque des Tilleuls", False, False),
    ("lucas", "Lucas Fontaine", "Médiathèque Colette", False, False),
    ("sarah", "Sarah Lemoine", "Bibliothèque du Port", False, False),
    ("hugo", "Hugo Petit", "Médiathèque George-Sand", False, False),
    ("karima", "Karima Haddad", "Bibliothèque des Coteaux", False, False),
    ("manon", "Manon Girard", "Médiathèque Victor-Hugo", False, False),
    ("pauline", "Pauline Chevalier", "Médiathèque Marie-Curie", False, False),
    ("gaelle", "Gaëlle Le Goff", "Médiathèque Jules-Verne", False, False),
    ("julien", "Julien Roux", "Bibliothèque des Dunes", False, False),
    ("nathalie", "Nathalie Lambert", "Médiathèque Olympe-de-Gouges", False, False),
    ("olivier", "Olivier Mercier", "Bibliothèque du Marais", False, False),
    ("quentin", "Quentin Morel", "Médiathèque Jules-Verne", False, False),
]

# Group names say what the group works on; none is the name of a resource type
# (a card shows both: « Vidéo et cinéma » and « Vidéo », never « Vidéo · Vidéo »).
GROUPS = {
    "Autoformation et langues": {
        "description": "Cours en ligne, tutoriels et parcours d'autoformation.", "color": "#1f6f43",
        "members": {"emma": "lead", "ines": "lead", "bruno": "agent", "farid": "agent", "lucas": "agent",
                    "sarah": "agent"}},
    "Vidéo et cinéma": {
        "description": "Films, documentaires et captations du réseau.", "color": "#7a2e8e",
        "members": {"chloe": "lead", "alice": "agent", "hugo": "agent", "julien": "agent"}},
    "Jeunesse et familles": {
        "description": "Contenus pour les enfants, les adolescents et leurs parents.", "color": "#a8501c",
        "members": {"chloe": "lead", "manon": "lead", "alice": "agent", "karima": "agent", "pauline": "agent"}},
    "Presse et actualité": {
        "description": "Presse en ligne, revues de presse et décryptages de l'actualité.", "color": "#1d5a8a",
        "members": {"gaelle": "lead", "bruno": "agent", "nathalie": "agent", "olivier": "agent",
                    "quentin": "agent"}},
}

TITLES = {
    "Autoformation et langues": [
        ("self_training", "Apprendre l'espagnol en 30 leçons"), ("self_training", "Initiation à la photographie numérique"),
        ("self_training", "Code de la route 2027"), ("ebook", "Guide pratique du tableur"),
        ("self_training", "Préparer le TOEIC"), ("article", "Bien choisir son ordinateur portable"),
        ("self_training", "Python pour débutants"), ("audio", "Podcast : apprendre à apprendre"),
        ("self_training", "Excel : tableaux croisés dynamiques"), ("ebook", "Rédiger son CV"),
        ("self_training", "Solfège en ligne"), ("article", "Sécurité numérique au quotidien"),
        ("self_training", "Créer son site avec un CMS"),
    ],
    "Vidéo et cinéma": [
        ("video", "Cycle cinéma japonais"), ("video", "Documentaire : les océans"),
        ("video", "Rencontre avec une autrice de polar"), ("video", "Les métiers du livre"),
        ("video", "Concert de jazz à la médiathèque"), ("video", "Court-métrages d'animation européens"),
        ("video", "Ciné-club : Agnès Varda"), ("video", "Atelier de reliure filmé"),
        ("article", "Sélection des films du mois"), ("video", "Documentaire : la ville de demain"),
        ("video", "Conférence : histoire du quartier"), ("audio", "Entretien avec un réalisateur"),
        ("video", "Tutoriel : emprunter un film en ligne"),
    ],
    "Jeunesse et familles": [
        ("kids", "Contes du monde entier"), ("kids", "Heure du conte numérique"),
        ("ebook", "Albums jeunesse : sélection d'hiver"), ("kids", "Jeux de logique pour les 6-8 ans"),
        ("kids", "Découvrir les dinosaures"), ("audio", "Comptines à écouter"),
        ("kids", "Mangas pour les 10-12 ans"), ("kids", "Le coin des petits scientifiques"),
        ("ebook", "Premières lectures"), ("kids", "Bandes dessinées jeunesse"),
        ("article", "Lire avec son enfant"), ("kids", "Atelier dessin en vidéo"),
        ("kids", "Quiz : les animaux de la forêt"),
    ],
    "Presse et actualité": [
        ("article", "Revue de presse : la semaine en Europe"), ("ebook", "Les quotidiens régionaux en ligne"),
        ("article", "Comprendre les élections municipales"), ("audio", "Podcast : l'actualité expliquée aux ados"),
        ("article", "Repérer une fausse information"), ("other", "Kiosque numérique : mode d'emploi"),
        ("article", "Dossier : le climat en chiffres"), ("ebook", "Magazines de sciences pour tous"),
        ("article", "La presse locale d'hier à aujourd'hui"), ("audio", "Chronique économie du lundi"),
        ("article", "Sélection des hebdomadaires"), ("other", "Archives de presse numérisées"),
        ("article", "Éducation aux médias : fiches pratiques"),
    ],
}

CHANNELS = [("bibliotheque-en-ligne", "Bibliothèque en ligne", 3), ("newsletter", "Newsletter", 2),
            ("instagram", "Instagram", 2)]

# What becomes of each group's items (13 a group), in a shuffled order: so many are
# published (or published then archived), scheduled, approved, in review (some for too
# long), rejected, or still proposed. Each group has its own mix.
OUTCOMES = {
    "Autoformation et langues": {"published": 5, "archived": 1, "scheduled": 2, "approved": 1, "in_review": 2,
                                 "rejected": 1, "proposed": 1},
    "Vidéo et cinéma": {"published": 6, "archived": 1, "scheduled": 1, "in_review": 1, "in_review_late": 1,
                        "rejected": 1, "proposed": 2},
    "Jeunesse et familles": {"published": 4, "archived": 1, "scheduled": 2, "approved": 2, "in_review": 1,
                             "in_review_late": 1, "proposed": 2},
    "Presse et actualité": {"published": 6, "scheduled": 3, "approved": 1, "in_review": 1, "in_review_late": 1,
                            "rejected": 1},
}
# How many days ago the published items were proposed: spread evenly over this range, the
# oldest ones archived, so each week of the history has its publications.
PUBLISHED_DAYS_AGO = (13, HISTORY_DAYS - 2)

CHANGE_REQUESTS = ["Merci de préciser le public visé.", "Pouvez-vous ajouter le lien vers la ressource ?",
                   "Le résumé est un peu long : deux phrases suffisent."]
REJECTIONS = ["Ressource déjà proposée par un autre groupe.", "Licence incompatible avec notre portail."]
COMMENTS = ["@{author} pensez à vérifier les droits de diffusion.", "@{author} très bonne idée, merci !",
            "@{author} on pourrait le relayer aussi sur la newsletter."]


def accounts_by_role():
    """``{"administrator": [...], "coordinator": [...], "lead": [...], "agent": [...]}``:
    the demo's usernames by what they do (a lead of one group may be an agent of another)."""
    out = {"administrator": [], "coordinator": [], "lead": [], "agent": []}
    for username, _name, _library, coordinator, is_admin in PEOPLE:
        roles = {role for spec in GROUPS.values() for user, role in spec["members"].items() if user == username}
        role = ("administrator" if is_admin else "coordinator" if coordinator
                else "lead" if "lead" in roles else "agent")
        out[role].append(username)
    return out


def load_demo(if_empty=False):
    """Load the demo. Returns False (and does nothing) if ``if_empty`` and users exist."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    now = utcnow().replace(microsecond=0)
    config = current_app.config
    method = config.get("PASSWORD_HASH_METHOD")
    # Every demo account has the same published password: scrypt for each would cost a
    # tenth of a second nineteen times over to protect nothing. A password chosen later
    # is hashed with the configured method as always.
    config["PASSWORD_HASH_METHOD"] = DEMO_HASH_METHOD
    try:
        with time_machine.travel(now - timedelta(days=HISTORY_DAYS + 3), tick=False) as clock:
            Demo(now, clock).play()
    finally:
        if method is None:
            config.pop("PASSWORD_HASH_METHOD", None)
        else:
            config["PASSWORD_HASH_METHOD"] = method
    return True


def _working_moment(moment, rng):
    """``moment`` moved forward into working hours (Monday–Friday, 9:00–18:00 in
    Paris), with some minutes of noise so no two steps look machine-made (a step
    pushed to the next morning lands some time in that morning)."""
    local = moment.astimezone(PARIS)
    pushed = local.hour >= 18 or local.hour < 9 or local.weekday() >= 5
    if local.hour >= 18:
        local = datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=PARIS)
    if local.hour < 9:
        local = datetime.combine(local.date(), time(9), tzinfo=PARIS)
    while local.weekday() >= 5:
        local = datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=PARIS)
    return (local + timedelta(minutes=rng.randint(0, 150 if pushed else 25))).astimezone(timezone.utc)


def _slot(day, hour):
    """A publication time: ``hour`` o'clock in Paris on ``day``'s date (a weekday)."""
    local_day = day.astimezone(PARIS).date()
    while local_day.weekday() >= 5:
        local_day += timedelta(days=1)
    return datetime.combine(local_day, time(hour), tzinfo=PARIS).astimezone(timezone.utc)


class Demo:
    """The demo network being built: people and groups first, then the history,
    step by step in time order (a heap of timed steps; a step may add later ones)."""

    def __init__(self, now, clock):
        self.now = now
        self.clock = clock
        self.rng = random.Random(42)
        self.steps = []
        self.order = itertools.count()
        self.users = {}
        self.groups = {}
        self.channels = []

    # ------------------------------------------------------------ the network

    def setup(self):
        """Accounts, basins, libraries, channels and groups, as an administrator makes them."""
        _, name, library, coordinator, is_admin = PEOPLE[0]
        boss = accounts.create_user("admin", PASSWORD, display_name=name, email="admin@mediatheques.example",
                                    admin=is_admin, coordinator=coordinator)
        self.users["admin"] = boss
        libraries = {}
        for basin_name, names in BASINS.items():
            basin = admin.create_basin(boss, basin_name)
            for library_name in names:
                libraries[library_name] = admin.create_library(boss, library_name, basin.id)
        admin.set_library(boss, boss.id, libraries[library].id)
        for username, display, library_name, coordinator, is_admin in PEOPLE[1:]:
            self.users[username] = accounts.create_user(
                username, PASSWORD, display_name=display, email=f"{username}@mediatheques.example",
                library=library_name, coordinator=coordinator, admin=is_admin)
        for user in self.users.values():  # nobody is mailed about the past
            notifications.set_preferences(user, email_kinds={kind: False for kind in rv.NOTIFICATION_KINDS})
        for slug, name, capacity in CHANNELS:
            self.channels.append(admin.create_channel(boss, slug, name, capacity))
        christmas = self.now.astimezone(PARIS).date().replace(month=12, day=25)
        if christmas < self.now.astimezone(PARIS).date():
            christmas = christmas.replace(year=christmas.year + 1)
        channel_service.add_blackout_date(self.users["david"], self.channels[0].slug, christmas,
                                          "Noël : médiathèques fermées")
        for group_name, spec in GROUPS.items():
            group = admin.create_group(boss, {"name": group_name, "description": spec["description"],
                                              "color": spec["color"]})
            for username, role in spec["members"].items():
                admin.add_member(boss, group.id, username, role)
            self.groups[group_name] = group

    def finish(self):
        """Back to the present: WIP limits, mail preferences as by default, and nobody
        left with more than MAX_UNREAD unread notifications (the oldest are read)."""
        coordinator = self.users["david"]
        for group in self.groups.values():
            group_service.set_wip_limit(coordinator, group.id, st.IN_REVIEW, 4)
        for user in self.users.values():
            notifications.set_preferences(user, email_kinds={kind: kind in rv.EMAIL_BY_DEFAULT
                                                             for kind in rv.NOTIFICATION_KINDS})
            unread = notifications.list_notifications(user, unread_only=True, limit=200)
            for note in unread[MAX_UNREAD:]:
                notifications.mark_read(user, note.id)

    # ------------------------------------------------------------ the history

    def at(self, moment, step):
        heapq.heappush(self.steps, (moment, next(self.order), step))

    def play(self):
        self.setup()
        start = self.now - timedelta(days=HISTORY_DAYS)
        for group_name, entries in TITLES.items():
            outcomes = [outcome for outcome, count in OUTCOMES[group_name].items() for _ in range(count)]
            self.rng.shuffle(outcomes)
            # The published items' ages, evenly spread with some jitter; the oldest go to the archived ones.
            finals = sorted((o for o in outcomes if o in ("published", "archived")), key=lambda o: o != "archived")
            low, high = PUBLISHED_DAYS_AGO
            ages = [high - (high - low) * (i + self.rng.random()) / len(finals) for i in range(len(finals))]
            for n, ((rtype, title), outcome) in enumerate(zip(entries, outcomes, strict=True)):
                days_ago = ages.pop(0) if outcome in ("published", "archived") else None
                self.plan_item(group_name, n, rtype, title, outcome, start, days_ago)
        for username in self.users:
            moment = start + timedelta(hours=self.rng.randint(24, 72))
            while moment < self.now - timedelta(days=1):
                self.at(_working_moment(moment, self.rng), self.reader(username))
                moment += timedelta(days=self.rng.uniform(3, 7))
        while self.steps:
            moment, _, step = heapq.heappop(self.steps)
            if moment >= self.now:
                continue  # the future is left to the people (and the publisher)
            self.clock.move_to(moment)
            step()
        self.clock.move_to(self.now)
        self.finish()

    def reader(self, username):
        def read():
            notifications.mark_all_read(self.users[username])
        return read

    def plan_item(self, group_name, n, rtype, title, outcome, start, days_ago=None):
        """Choose when ``title`` was proposed (``days_ago``, or so that ``outcome`` is
        where it is now) and queue its creation; each step queues the next ones."""
        rng = self.rng
        members = GROUPS[group_name]["members"]
        agents = [u for u, role in members.items() if role == "agent"]
        author = agents[n % len(agents)]
        if days_ago is None:
            days_ago = {"rejected": rng.uniform(8, 35), "scheduled": rng.uniform(8, 13), "approved": rng.uniform(6, 9),
                        "in_review": rng.uniform(1, 3), "in_review_late": rng.uniform(8, 10),
                        "proposed": rng.uniform(0.5, 3)}[outcome]
        plan = {"group": group_name, "author": author, "outcome": outcome, "rtype": rtype, "title": title,
                "changes": outcome in ("published", "scheduled") and rng.random() < 0.35, "n": n}
        created = max(start, self.now - timedelta(days=days_ago))
        if created.astimezone(PARIS).weekday() == 5:  # a Saturday's proposal: made on Friday
            created -= timedelta(days=1)
        self.at(_working_moment(created, rng), lambda: self.create(plan))

    def later(self, plan, low_hours, high_hours, step):
        moment = _working_moment(utcnow() + timedelta(hours=self.rng.uniform(low_hours, high_hours)), self.rng)
        self.at(moment, lambda: step(plan))

    def lead_for(self, plan):
        leads = [u for u, role in GROUPS[plan["group"]]["members"].items() if role == "lead"]
        return self.users[leads[plan["n"] % len(leads)]]

    def create(self, plan):
        group_name, title = plan["group"], plan["title"]
        author = self.users[plan["author"]]
        item = items.create_item(author, self.groups[group_name].id, {
            "title": title, "resource_type": plan["rtype"],
            "summary": f"{title} : une ressource proposée par le groupe {group_name}.",
            "body": f"## {title}\n\nPrésentation de la ressource, public visé et **points forts**.\n\n"
                    "- accessible depuis le portail\n- disponible pour tous les abonnés",
            "resource_url": f"https://ressources.mediatheques.example/{self.groups[group_name].id}/{plan['n'] + 1}",
            "audience": "Jeunesse" if group_name.startswith("Jeunesse") else "Adultes",
            "labels": self.rng.sample(["nouveauté", "coup de cœur", "accessibilité", "saison", "partenariat"], 2),
        })
        plan["id"] = item.id
        if plan["n"] % 3 == 0:
            self.later(plan, 2, 30, self.comment)
        if plan["outcome"] != "proposed":
            self.later(plan, 1, 20, self.submit)

    def comment(self, plan):
        text = self.rng.choice(COMMENTS).format(author=plan["author"])
        comments.add_comment(self.lead_for(plan), plan["id"], text)

    def submit(self, plan):
        workflow_service.transition_item(self.users[plan["author"]], plan["id"], st.IN_REVIEW)
        outcome = plan["outcome"]
        if outcome in ("in_review", "in_review_late"):
            return
        self.later(plan, 3, 50, self.decide)

    def decide(self, plan):
        lead = self.lead_for(plan)
        if plan["outcome"] == "rejected":
            workflow_service.review_item(lead, plan["id"], "reject", self.rng.choice(REJECTIONS))
        elif plan.pop("changes", False):
            workflow_service.review_item(lead, plan["id"], "request_changes", self.rng.choice(CHANGE_REQUESTS))
            self.later(plan, 2, 24, self.revise)
        else:
            workflow_service.review_item(lead, plan["id"], "approve", "Très bien, validé.")
            if plan["outcome"] != "approved":
                self.later(plan, 2, 30, self.schedule)

    def revise(self, plan):
        author = self.users[plan["author"]]
        item = db.session.get(Item, plan["id"])
        items.update_item(author, item.id, {"summary": f"{item.title} : public visé et lien précisés."},
                          item.version)
        self.submit(plan)

    def schedule(self, plan):
        if plan["outcome"] == "scheduled":
            moment = _slot(self.now + timedelta(days=self.rng.randint(1, 9)), self.rng.choice((9, 10, 11, 14, 16)))
        else:
            moment = _slot(utcnow() + timedelta(days=self.rng.randint(1, 4)), self.rng.choice((9, 10, 11, 14, 16)))
        channel = self.channels[plan["n"] % len(self.channels)]
        coordinator = self.users["david"]
        try:
            item = workflow_service.schedule_item(coordinator, plan["id"], moment, channel.id)
        except RuleBroken as exc:  # full or closed that day: the next free slot, as the calendar offers
            moment = datetime.fromisoformat(exc.extra["next_free_slot"])
            item = workflow_service.schedule_item(coordinator, plan["id"], moment, channel.id)
        self.at(item.scheduled_at, lambda: self.publish(plan))

    def publish(self, plan):
        workflow_service.publish_due()  # the publisher's run at that time
        if plan["outcome"] == "archived":
            self.later(plan, 24 * 7, 24 * 12, self.archive)

    def archive(self, plan):
        workflow_service.transition_item(self.lead_for(plan), plan["id"], st.ARCHIVED)
