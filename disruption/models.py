"""The abusers' side of the dual strategy.

Persons of concern, locations, vehicles and online identifiers are the *entities* of an area.
Every entity, and every young person who is linked to one, has a `Node` in the area's network;
a `Link` joins two nodes (a young person seen in a car, a person using a phone), with where the
information came from and its 3x5x2 grading. Walking links from node to node is how the
network view and the clusters are found. Disruption activity targets a node; MACE meetings
review young people, persons of concern and locations.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from agencies.dates import ANY_DATE, BIRTH_DATE, DUE_DATE, EXPIRY_DATE
from agencies.models import Agency, Area
from referrals.models import ProtectiveAction, Referral, YoungPerson


class PersonStatus(models.TextChoices):
    SUSPECTED = "suspected", "Suspected"
    ARRESTED = "arrested", "Arrested"
    CHARGED = "charged", "Charged"
    CONVICTED = "convicted", "Convicted"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class LocationType(models.TextChoices):
    TAXI_RANK = "taxi_rank", "Taxi rank"
    TAKEAWAY = "takeaway", "Takeaway"
    NEWSAGENT = "newsagent", "Newsagent"
    SHOPPING_CENTRE = "shopping_centre", "Shopping centre"
    HOTEL = "hotel", "Hotel"
    PARK = "park", "Park"
    PRIVATE_ADDRESS = "private_address", "Private address"
    LICENSED_PREMISES = "licensed_premises", "Licensed premises"
    ONLINE_PLATFORM = "online_platform", "Online platform"
    OTHER = "other", "Other"


class Platform(models.TextChoices):
    PHONE = "phone", "Phone number"
    SNAPCHAT = "snapchat", "Snapchat"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    TIKTOK = "tiktok", "TikTok"
    FACEBOOK = "facebook", "Facebook"
    TELEGRAM = "telegram", "Telegram"
    X = "x", "X (Twitter)"
    OTHER = "other", "Other"


class Entity(models.Model):
    """What every entity has: its area, and who recorded it when."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PersonOfConcern(Entity):
    """Someone suspected of exploiting young people. Seen only by the area's police leads and
    coordinators, and by lead professionals where a coordinator shares them to a referral.
    Their phones, accounts, cars, addresses and associates are links to other nodes."""

    name = models.CharField(max_length=200)
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[BIRTH_DATE])
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True, help_text="Appearance and anything distinctive")
    addresses = models.TextField(blank=True, help_text="One per line")
    police_references = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=PersonStatus.choices, default=PersonStatus.SUSPECTED
    )
    name_signatures = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        editable=False,
        help_text="Kept from the name and aliases (normalise.name_signatures): where similar "
        "names are looked for",
    )

    class Meta:
        verbose_name_plural = "persons of concern"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["area", "name"], name="person_of_concern_by_name"),
            GinIndex(fields=["name_signatures"], name="person_of_concern_signatures"),
        ]

    def __str__(self) -> str:
        return self.name


class Location(Entity):
    """A place: a hotspot where young people are groomed or exploited, or an address."""

    name = models.CharField(max_length=200)
    location_type = models.CharField(max_length=30, choices=LocationType.choices)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, help_text="Stored normalised")
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_hotspot = models.BooleanField("hotspot", default=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["area", "postcode"], name="location_by_postcode")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="location_coordinates_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Vehicle(Entity):
    """A vehicle, one per registration per area (the registration is stored normalised)."""

    registration = models.CharField(max_length=10)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    colour = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "registration"], name="vehicle_unique_registration_per_area"
            )
        ]

    def __str__(self) -> str:
        return self.registration


class OnlineIdentifier(Entity):
    """A phone number (E.164) or an account on a platform (its handle, normalised); one
    record per identifier per area."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    value = models.CharField(max_length=200, help_text="Stored normalised")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["platform", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "platform", "value"], name="identifier_unique_per_area"
            )
        ]

    def __str__(self) -> str:
        if self.platform == Platform.PHONE:
            return self.value
        return f"{self.get_platform_display()} @{self.value}"


class NodeKind(models.TextChoices):
    YOUNG_PERSON = "young_person", "Young person"
    PERSON = "person", "Person of concern"
    LOCATION = "location", "Location"
    VEHICLE = "vehicle", "Vehicle"
    IDENTIFIER = "identifier", "Phone or online identifier"


# The field of Node that points at each kind's record.
NODE_FIELDS = {
    NodeKind.YOUNG_PERSON: "young_person",
    NodeKind.PERSON: "person",
    NodeKind.LOCATION: "location",
    NodeKind.VEHICLE: "vehicle",
    NodeKind.IDENTIFIER: "identifier",
}


# The model of each kind of entity (a young person is not one).
ENTITY_MODELS: dict[NodeKind, type[Entity]] = {
    NodeKind.PERSON: PersonOfConcern,
    NodeKind.LOCATION: Location,
    NodeKind.VEHICLE: Vehicle,
    NodeKind.IDENTIFIER: OnlineIdentifier,
}


class Node(models.Model):
    """One young person or entity in its area's network, pointing at exactly one record."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=NodeKind.choices)
    young_person = models.OneToOneField(
        YoungPerson, on_delete=models.PROTECT, null=True, blank=True, related_name="node"
    )
    person = models.OneToOneField(
        PersonOfConcern, on_delete=models.PROTECT, null=True, blank=True, related_name="node"
    )
    location = models.OneToOneField(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="node"
    )
    vehicle = models.OneToOneField(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="node"
    )
    identifier = models.OneToOneField(
        OnlineIdentifier, on_delete=models.PROTECT, null=True, blank=True, related_name="node"
    )
    label = models.CharField(
        max_length=200, help_text="Shown in the network: a name, registration or handle"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    *(
                        Q(
                            kind=kind,
                            **{f"{f}__isnull": f != field for f in NODE_FIELDS.values()},
                        )
                        for kind, field in NODE_FIELDS.items()
                    ),
                    _connector=Q.OR,
                ),
                name="node_points_at_one_record_of_its_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    @property
    def record(self) -> models.Model:
        return getattr(self, NODE_FIELDS[NodeKind(self.kind)])


class LinkNature(models.TextChoices):
    SEEN_WITH = "seen_with", "Seen with"
    SEEN_AT = "seen_at", "Seen at"
    SEEN_IN = "seen_in", "Seen in (a vehicle)"
    CONTACTED_BY = "contacted_by", "Contacted by"
    LIVES_AT = "lives_at", "Lives or stays at"
    USES = "uses", "Uses (a phone, account or vehicle)"
    ASSOCIATE = "associate", "Known associate"
    MENTIONED = "mentioned", "Mentioned in a concern"
    OTHER = "other", "Other"


class SourceEvaluation(models.TextChoices):
    """The 3x5x2 intelligence grading: how reliable the source is."""

    RELIABLE = "1", "1: Reliable"
    UNTESTED = "2", "2: Untested"
    NOT_RELIABLE = "3", "3: Not reliable"


class IntelligenceAssessment(models.TextChoices):
    """The 3x5x2 intelligence grading: how the source knows what they said."""

    KNOWN_DIRECTLY = "A", "A: Known directly to the source"
    KNOWN_INDIRECTLY_CORROBORATED = "B", "B: Known indirectly, corroborated"
    KNOWN_INDIRECTLY = "C", "C: Known indirectly"
    NOT_KNOWN = "D", "D: Not known"
    SUSPECTED_FALSE = "E", "E: Suspected to be false"


class HandlingCode(models.TextChoices):
    """The 3x5x2 intelligence grading: whether it may be shared on."""

    LAWFUL_SHARING = "P", "P: Lawful sharing permitted"
    WITH_CONDITIONS = "C", "C: Lawful sharing permitted with conditions"


class CurrentLinks(models.Manager["Link"]):
    """Links not absorbed into another by a merge of two young people's records: what every
    read shows."""

    def get_queryset(self) -> models.QuerySet[Link]:
        return super().get_queryset().filter(absorbed_into__isnull=True)


class Link(models.Model):
    """Two nodes of one area joined, with the nature of the link, where it came from, its
    grading, and the referral through which it became known (if any). Stored once per pair:
    the lower node id is `a`. A coordinator may share it to the referral's lead professionals.

    When two records of one young person are merged, a link of the merged record that repeats
    one the kept record has moves to the kept record too, absorbed into that one: kept, never
    deleted, out of every read (`objects`), and back on its own if the merge is undone."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    a = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    b = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_links",
    )
    nature = models.CharField(max_length=20, choices=LinkNature.choices)
    detail = models.TextField(blank=True)
    source = models.CharField(max_length=200, help_text="Who or what the information came from")
    source_evaluation = models.CharField(max_length=1, choices=SourceEvaluation.choices)
    intelligence_assessment = models.CharField(max_length=1, choices=IntelligenceAssessment.choices)
    handling_code = models.CharField(max_length=1, choices=HandlingCode.choices)
    observed_on = models.DateField(
        help_text="When what the link records happened or was seen", validators=[ANY_DATE]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    share_reason = models.TextField(blank=True)
    absorbed_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The kept record's same link, while a merge of the young person's records stands",
    )

    every_link = models.Manager()  # absorbed ones too: for merging and undoing
    objects = CurrentLinks()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        default_manager_name = "objects"
        base_manager_name = "every_link"
        indexes = [
            models.Index(fields=["a", "b"], name="link_from_a"),
            models.Index(fields=["b", "a"], name="link_from_b"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(a__lt=models.F("b")), name="link_a_before_b"),
            models.UniqueConstraint(
                fields=["a", "b", "referral", "nature"],
                condition=Q(absorbed_into__isnull=True),
                name="link_unique_per_referral_and_nature",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(shared_at__isnull=True) | Q(referral__isnull=False),
                name="link_shared_only_to_a_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.a} – {self.b} ({self.get_nature_display()})"

    @property
    def grading(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"


class MatchKind(models.TextChoices):
    EXACT = "exact", "Same identifier"
    NAME = "name", "Similar name"


class LinkAlert(models.Model):
    """Raised when a new link joins an entity to a second (or further) young person, or joins
    an entity that matches another linked to other young people. For the area's coordinators
    and police leads; an alert naming records of several areas (`police_agency` set) is for
    the police leads of that force alone."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="alerts")
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="+", help_text="The linked entity"
    )
    matched_node = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Another entity taken to be the same one (a similar name, another area)",
    )
    match = models.CharField(max_length=10, choices=MatchKind.choices)
    reason = models.TextField(help_text="Why these were matched, as shown to the reader")
    young_people = models.PositiveIntegerField(
        help_text="Young people connected through the entity when the alert was raised"
    )
    police_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Reviewed: a coordinator or police lead has looked into it (the alert stays, marked).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "matched_node"],
                name="link_alert_once_per_link_and_match",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.reason


class TacticCategory(models.TextChoices):
    NOTICE = "notice", "Notice"
    ORDER = "order", "Order"
    ENFORCEMENT = "enforcement", "Enforcement and prosecution"
    LICENSING = "licensing", "Licensing and premises"
    INTELLIGENCE = "intelligence", "Intelligence"
    TRAINING = "training", "Training"


class DisruptionTactic(models.Model):
    """The catalogue of disruption tactics: national entries (no area) and an area's own,
    chosen and retired as protective action types are (referrals.models)."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=TacticCategory.choices)
    legal_power = models.CharField(max_length=300, blank=True)
    expires = models.BooleanField(default=False, help_text="It lapses on an expiry date")
    default_duration_days = models.PositiveIntegerField(null=True, blank=True)
    remind_days_before = models.PositiveSmallIntegerField(default=28)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The area whose own tactic this is; none for a national tactic",
    )
    not_used_by = models.ManyToManyField(
        Area, blank=True, related_name="+", help_text="Areas that chose not to use this tactic"
    )

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class DisruptionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"
    BREACHED = "breached", "Breached"


class DisruptionMode(models.TextChoices):
    DIRECT = "direct", "Direct (the suspect)"
    INDIRECT = "indirect", "Indirect (associates, suppliers)"
    LOCATIONAL = "locational", "Locational"


class DisruptionActivity(models.Model):
    """One tactic used against a person, place, vehicle or identifier, to protect the young
    people of the referrals it names. Owned by a police lead or a partner agency's person."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    tactic = models.ForeignKey(DisruptionTactic, on_delete=models.PROTECT)
    target = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="disruptions")
    referrals = models.ManyToManyField(Referral, blank=True, related_name="disruption_activities")
    mode = models.CharField(max_length=20, choices=DisruptionMode.choices)
    legal_power = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=DisruptionStatus.choices, default=DisruptionStatus.PLANNED
    )
    planned_on = models.DateField(null=True, blank=True, validators=[DUE_DATE])
    issued_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    served_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    expires_on = models.DateField(null=True, blank=True, validators=[EXPIRY_DATE])
    breached_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the order or notice was breached",
        validators=[ANY_DATE],
    )
    outcome = models.TextField(blank=True)
    court = models.CharField(max_length=200, blank=True)
    court_reference = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "disruption activities"
        indexes = [
            models.Index(
                fields=["area", "expires_on"],
                name="disruption_expiring",
                condition=Q(expires_on__isnull=False)
                & Q(status__in=["planned", "in_progress", "done"]),
            ),
            models.Index(fields=["area", "-created_at"], name="disruption_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="disruption_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tactic} ({self.target.label})"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"


class Meeting(models.Model):
    """A multi-agency child exploitation (MACE) meeting of an area. Its minutes are read only by
    those who attended (and the chair)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(validators=[ANY_DATE])
    place = models.CharField(max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mace_meetings"
    )
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"MACE meeting {self.held_at:%d %B %Y}"


class AgendaReason(models.TextChoices):
    REVIEW_DUE = "review_due", "Review due"
    HIGH_RISK = "high_risk", "High risk"
    LINK_ALERT = "link_alert", "New link alert"
    DISRUPTION_EXPIRING = "disruption_expiring", "Disruption activity expiring"
    ADDED = "added", "Added by the chair"


class AgendaItem(models.Model):
    """One young person's referral, person of concern or location to review at a meeting,
    with what the meeting decided and the actions it set."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    node = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A person of concern or a location",
    )
    reason = models.CharField(
        max_length=30,
        choices=AgendaReason.choices,
        help_text="The first of its reasons by priority: what orders the agenda",
    )
    reasons = ArrayField(
        models.CharField(max_length=30, choices=AgendaReason.choices),
        default=list,
        help_text="Every reason it was put on the agenda, by priority",
    )
    position = models.PositiveSmallIntegerField(default=0)
    decision = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True, validators=[DUE_DATE])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    protective_actions = models.ManyToManyField(ProtectiveAction, blank=True, related_name="+")
    disruption_activities = models.ManyToManyField(
        DisruptionActivity, blank=True, related_name="agenda_items"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=False, node__isnull=True)
                | Q(referral__isnull=True, node__isnull=False),
                name="agenda_item_is_a_referral_or_an_entity",
            ),
            models.CheckConstraint(
                condition=Q(reasons__0=models.F("reason")),
                name="agenda_item_reason_is_its_first_reason",
            ),
            # Each subject once per meeting: proposing the agenda again adds only new ones.
            models.UniqueConstraint(
                fields=["meeting", "referral"],
                condition=Q(referral__isnull=False),
                name="agenda_item_referral_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "node"],
                condition=Q(node__isnull=False),
                name="agenda_item_entity_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        subject = self.referral or self.node
        return f"{subject} ({self.get_reason_display()})"

    @property
    def reasons_display(self) -> list[str]:
        return [AgendaReason(reason).label for reason in self.reasons]

    @property
    def entity_node(self) -> Node:
        """The node of the person of concern or location (an item about an entity)."""
        if self.node is None:
            raise ValueError("this item is about a referral")
        return self.node

    @property
    def subject(self) -> models.Model:
        """The referral, person of concern or location the item is about."""
        return self.referral if self.referral is not None else self.entity_node.record
