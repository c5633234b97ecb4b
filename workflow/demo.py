"""A realistic demo network: one reading basin, three médiathèques, three
working groups, six people and about forty items spread over every state.
Items go through the real services, so their history is real too."""
import random
from datetime import date, timedelta

from sqlalchemy import select

from .domain import states as st
from .extensions import db
from .models import Basin, BlackoutDate, Channel, Group, Item, Library, Membership, User, utcnow
from .services import accounts, comments, items
from .services import workflow as workflow_service

PASSWORD = "relais-demo"

PEOPLE = [
    # username, display name, library, coordinator, admin
    ("alice", "Alice Martin", "Médiathèque Jacques-Prévert", False, False),
    ("bruno", "Bruno Lefèvre", "Médiathèque Louise-Michel", False, False),
    ("chloe", "Chloé Bernard", "Médiathèque Jacques-Prévert", False, False),
    ("emma", "Emma Dubois", "Médiathèque Aimé-Césaire", False, False),
    ("david", "David Moreau", "Médiathèque Louise-Michel", True, False),
    ("admin", "Administration Relais", "Médiathèque Aimé-Césaire", False, True),
]

GROUPS = {
    "Autoformation": ("Cours en ligne, tutoriels et parcours d'autoformation.", {"bruno": "agent", "emma": "lead"}),
    "Vidéo": ("Films, documentaires et captations du réseau.", {"alice": "agent", "chloe": "lead"}),
    "Jeunesse": ("Contenus pour les enfants et les adolescents.", {"alice": "agent", "chloe": "lead"}),
}

TITLES = {
    "Autoformation": [
        ("self_training", "Apprendre l'espagnol en 30 leçons"), ("self_training", "Initiation à la photographie numérique"),
        ("self_training", "Code de la route 2027"), ("ebook", "Guide pratique du tableur"),
        ("self_training", "Préparer le TOEIC"), ("article", "Bien choisir son ordinateur portable"),
        ("self_training", "Python pour débutants"), ("audio", "Podcast : apprendre à apprendre"),
        ("self_training", "Excel : tableaux croisés dynamiques"), ("ebook", "Rédiger son CV"),
        ("self_training", "Solfège en ligne"), ("article", "Sécurité numérique au quotidien"),
        ("self_training", "Créer son site avec un CMS"),
    ],
    "Vidéo": [
        ("video", "Cycle cinéma japonais"), ("video", "Documentaire : les océans"),
        ("video", "Rencontre avec une autrice de polar"), ("video", "Les métiers du livre"),
        ("video", "Concert de jazz à la médiathèque"), ("video", "Court-métrages d'animation européens"),
        ("video", "Ciné-club : Agnès Varda"), ("video", "Atelier de reliure filmé"),
        ("article", "Sélection des films du mois"), ("video", "Documentaire : la ville de demain"),
        ("video", "Conférence : histoire du quartier"), ("audio", "Entretien avec un réalisateur"),
        ("video", "Tutoriel : emprunter un film en ligne"), ("video", "Festival du court-métrage"),
    ],
    "Jeunesse": [
        ("kids", "Contes du monde entier"), ("kids", "Heure du conte numérique"),
        ("ebook", "Albums jeunesse : sélection d'hiver"), ("kids", "Jeux de logique pour les 6-8 ans"),
        ("kids", "Découvrir les dinosaures"), ("audio", "Comptines à écouter"),
        ("kids", "Mangas pour les 10-12 ans"), ("kids", "Le coin des petits scientifiques"),
        ("ebook", "Premières lectures"), ("kids", "Bandes dessinées jeunesse"),
        ("article", "Lire avec son enfant"), ("kids", "Atelier dessin en vidéo"),
        ("kids", "Quiz : les animaux de la forêt"),
    ],
}

# Calendar colours, one per group (white text on each keeps AA contrast).
GROUP_COLORS = {"Autoformation": "#1f6f43", "Vidéo": "#7a2e8e", "Jeunesse": "#a8501c"}

# The path each item takes: the states it is driven to, in order.
PATHS = [
    [], [], [], [st.IN_REVIEW], [st.IN_REVIEW], [st.IN_REVIEW, st.APPROVED], [st.IN_REVIEW, st.APPROVED],
    [st.IN_REVIEW, st.APPROVED, st.SCHEDULED], [st.IN_REVIEW, st.APPROVED, st.SCHEDULED],
    [st.IN_REVIEW, st.APPROVED, st.SCHEDULED, st.PUBLISHED], [st.IN_REVIEW, st.APPROVED, st.SCHEDULED, st.PUBLISHED],
    [st.IN_REVIEW, st.REJECTED], [st.IN_REVIEW, st.APPROVED, st.SCHEDULED, st.PUBLISHED, st.ARCHIVED],
    [st.IN_REVIEW, "changes"],
]


def load_demo(if_empty=False):
    """Load the demo. Returns False (and does nothing) if ``if_empty`` and users exist."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    rng = random.Random(42)
    basin = Basin(name="Bassin de lecture Nord")
    db.session.add(basin)
    libraries = {}
    for name in ("Médiathèque Jacques-Prévert", "Médiathèque Louise-Michel", "Médiathèque Aimé-Césaire"):
        libraries[name] = Library(name=name, basin=basin)
        db.session.add(libraries[name])
    channels = [Channel(slug="bibliotheque-en-ligne", name="Bibliothèque en ligne", daily_capacity=3),
                Channel(slug="newsletter", name="Newsletter", daily_capacity=2),
                Channel(slug="instagram", name="Instagram", daily_capacity=2)]
    db.session.add_all(channels)
    today = date.today()
    christmas = date(today.year, 12, 25)
    db.session.add(BlackoutDate(channel=channels[0], day=christmas if christmas >= today else christmas.replace(year=today.year + 1), reason="Noël : médiathèques fermées"))
    db.session.commit()
    users = {}
    for username, display, library, coordinator, admin in PEOPLE:
        users[username] = accounts.create_user(username, PASSWORD, display_name=display,
                                               email=f"{username}@mediatheques.example", library=library,
                                               coordinator=coordinator, admin=admin)
    groups = {}
    for name, (description, members) in GROUPS.items():
        groups[name] = Group(name=name, description=description, wip_limits={"in_review": 4},
                             color=GROUP_COLORS[name])
        db.session.add(groups[name])
        db.session.flush()
        for username, role in members.items():
            db.session.add(Membership(user_id=users[username].id, group_id=groups[name].id, role=role))
    db.session.commit()
    coordinator = users["david"]
    slot = 0
    for group_name, entries in TITLES.items():
        group = groups[group_name]
        agents = [users[u] for u, r in GROUPS[group_name][1].items() if r == "agent"]
        lead = next(users[u] for u, r in GROUPS[group_name][1].items() if r == "lead")
        for n, (rtype, title) in enumerate(entries):
            author = agents[n % len(agents)]
            item = items.create_item(author, group.id, {
                "title": title, "resource_type": rtype,
                "summary": f"{title} : une ressource proposée par le groupe {group_name}.",
                "body": f"## {title}\n\nPrésentation de la ressource, public visé et **points forts**.\n\n"
                        "- accessible depuis le portail\n- disponible pour tous les abonnés",
                "resource_url": f"https://ressources.mediatheques.example/{group_name.lower()}/{n + 1}",
                "audience": "Jeunesse" if group_name == "Jeunesse" else "Adultes",
                "labels": rng.sample(["nouveauté", "coup de cœur", "accessibilité", "saison", "partenariat"], 2),
            })
            path = PATHS[n % len(PATHS)]
            for step in path:
                if step == st.IN_REVIEW:
                    workflow_service.transition_item(author, item.id, st.IN_REVIEW)
                elif step == st.APPROVED:
                    workflow_service.review_item(lead, item.id, "approve", "Très bien, validé.")
                elif step == "changes":
                    workflow_service.review_item(lead, item.id, "request_changes", "Merci de préciser le public visé.")
                elif step == st.REJECTED:
                    workflow_service.review_item(lead, item.id, "reject", "Ressource déjà proposée par un autre groupe.")
                elif step == st.SCHEDULED:
                    slot += 1
                    when = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1 + slot, hours=1)
                    workflow_service.schedule_item(coordinator, item.id, when, channels[slot % 3].id)
                elif step == st.PUBLISHED:
                    workflow_service.transition_item(coordinator, item.id, st.PUBLISHED)
                elif step == st.ARCHIVED:
                    workflow_service.transition_item(lead, item.id, st.ARCHIVED)
            if n % 4 == 0:
                other = lead if author != lead else agents[0]
                comments.add_comment(other, item.id, f"@{author.username} pensez à vérifier les droits de diffusion.")
    assert db.session.scalar(select(Item.id).limit(1)) is not None
    return True
