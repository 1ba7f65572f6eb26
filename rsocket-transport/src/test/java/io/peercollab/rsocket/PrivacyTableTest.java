// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static io.peercollab.PrivacyTable.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.peercollab.ApplicationChange;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.PrivacyTable;
import io.peercollab.Sharing;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The README's privacy table, over real TLS: Alice's endpoints listen on 127.0.0.1 with {@link RSocketPeerTransport};
 * callers with identities made for the test connect with their own certificate and ask every route. One dynamic test
 * per cell of the four TLS columns (the mDNS and DHT columns are {@code AnnouncementPrivacyTest} and
 * {@code DhtRecordPrivacyTest} in reactive-core), and a check that the README's table has exactly these rows and
 * columns.
 *
 * <p>Alice runs three endpoints with one identity: {@code near} signed in to {@code NEAR_ME}, {@code net} signed in
 * to {@code INTERNET} only, both with the default settings, and {@code chosen} signed in to {@code NEAR_ME} with
 * the display name shared near me, the e-mail with no one and presence with no one (invisible).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrivacyTableTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final PeerApplication NEAR_APP = new PeerApplication(
			UUID.fromString("2f0d1c8a-5b6e-4d3f-8a9b-0c1d2e3f4a5b"), "Whiteboard", new byte[] { 1 }, PeerScope.NEAR_ME,
			"/usr/bin/whiteboard", List.of("--secret"));
	private static final PeerApplication NET_APP = PeerApplication.of(
			UUID.fromString("6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"), "Diary", PeerScope.INTERNET);
	private static final PeerObject NEAR_OBJ = new PeerObject(UUID.fromString("11111111-2222-4333-8444-555555555555"),
			new byte[] { 7 }, PeerScope.NEAR_ME);
	private static final PeerObject NET_OBJ = new PeerObject(UUID.fromString("66666666-7777-4888-9999-aaaaaaaaaaaa"),
			new byte[] { 8 }, PeerScope.INTERNET);
	private static final PresenceInfo BUSY = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
	private static final Set<String> CARD_ELEMENTS = Set.of("peercollab-contact-card", "peer-name", "nickname",
			"display-name", "email", "certificate", "endpoints");

	private final PeerIdentity alice = PeerIdentity.generate("alice-laptop");
	private final PeerIdentity stranger = PeerIdentity.generate("stranger");
	private final PeerIdentity carol = PeerIdentity.generate("carol");
	private final PeerIdentity mallory = PeerIdentity.generate("mallory");

	private final List<PeerCollaboration> endpoints = new ArrayList<>();
	private final List<TransportBinding> callers = new ArrayList<>();
	private PeerCollaboration near;
	private PeerCollaboration net;
	private PeerCollaboration chosen;

	/** What one caller learnt from one of Alice's endpoints, route by route. */
	record View(PeerConnection connection, String cardXml, PeerContact card, PresenceInfo presence,
			List<PeerApplication> applications, List<PeerObject> objects, List<PeerEvent> events) {

		List<PresenceChange> presenceEvents() {
			return events.stream().filter(PresenceChange.class::isInstance).map(PresenceChange.class::cast).toList();
		}

		List<PeerApplication> applicationEvents() {
			return events.stream().filter(ApplicationChange.class::isInstance)
					.map(e -> ((ApplicationChange) e).application()).toList();
		}

		List<PeerObject> objectEvents() {
			return events.stream().filter(ObjectChange.class::isInstance).map(e -> ((ObjectChange) e).object())
					.toList();
		}

		Set<String> cardElements() {
			Set<String> names = new LinkedHashSet<>();
			Matcher m = Pattern.compile("<([A-Za-z][\\w.-]*)[\\s/>]").matcher(cardXml);
			while (m.find()) {
				names.add(m.group(1));
			}
			return names;
		}
	}

	private final Map<String, View> views = new HashMap<>();

	@BeforeAll
	void startAliceAndAskHerAsEveryone() {
		near = alice(b -> b, PeerScope.NEAR_ME);
		net = alice(b -> b, PeerScope.INTERNET);
		chosen = alice(b -> b.shareDisplayName(Sharing.CONTACTS_AND_NEAR_ME).shareEmail(Sharing.NO_ONE)
				.sharePresence(Sharing.NO_ONE), PeerScope.NEAR_ME);
		for (PeerIdentity caller : List.of(stranger, carol, mallory)) {
			TransportBinding b = TestPeers.bind(TestPeers.loopback(), caller, new RecordingHandler());
			callers.add(b);
			for (Map.Entry<String, PeerCollaboration> e : Map.of("near", near, "net", net, "chosen", chosen)
					.entrySet()) {
				views.put(e.getKey() + "/" + caller.name().classifier(), ask(b, e.getValue()));
			}
		}
	}

	private PeerCollaboration alice(java.util.function.UnaryOperator<PeerCollaboration.Builder> settings,
			PeerScope scope) {
		PeerCollaboration a = settings.apply(PeerCollaboration.builder().identity(alice).nickname("Alice")
				.discovery(new NoPeersDiscovery()).transport(TestPeers.loopback())).build();
		endpoints.add(a);
		a.contacts().updateMe("Alice", "Alice Liddell", "alice@example.org").block(WAIT);
		a.contacts().add(PeerContact.of(carol.name(), "Carol", carol.certificate())).block(WAIT);
		a.contacts().add(PeerContact.of(mallory.name(), "Mallory", mallory.certificate())
				.withSubscribeAllowed(SubscribeAllowed.BLOCKED)).block(WAIT);
		a.registerApplication(NEAR_APP).then(a.registerApplication(NET_APP)).then(a.signIn(scope))
				.then(a.setObject(NEAR_OBJ)).then(a.setObject(NET_OBJ)).then(a.setPresence(BUSY)).block(WAIT);
		return a;
	}

	private View ask(TransportBinding from, PeerCollaboration to) {
		PeerConnection c = from.connect(alice.name(), to.endPoints().get(0).address()).block(WAIT);
		String xml = c.card().block(WAIT);
		PeerContact card = near.contacts().parseCard(xml);
		return new View(c, xml, card, c.presence().block(WAIT),
				c.applications().collectList().block(WAIT), c.objects().collectList().block(WAIT),
				c.events(-1).takeUntil(e -> e instanceof PeerEvent.Synced).collectList().block(WAIT));
	}

	private View view(String endpoint, PeerIdentity caller) {
		return views.get(endpoint + "/" + caller.name().classifier());
	}

	@AfterAll
	void closeAll() {
		TestPeers.dispose(callers.toArray(TransportBinding[]::new));
		Mono.when(endpoints.stream().map(PeerCollaboration::close).toList()).block(WAIT);
	}

	// ----- the cells ---------------------------------------------------------------------------------------------------

	@TestFactory
	Stream<DynamicTest> everyCellOfTheTlsColumns() {
		Map<String, Map<String, Runnable>> rows = new LinkedHashMap<>();
		rows.put(PEER_NAME, cells(
				() -> provesNameAndCertificate(view("near", stranger)),
				() -> provesNameAndCertificate(view("net", stranger)),
				() -> {
					provesNameAndCertificate(view("near", carol));
					provesNameAndCertificate(view("net", carol));
				},
				() -> provesNameAndCertificate(view("net", mallory))));
		rows.put(NICKNAME, cells(
				() -> assertThat(view("near", stranger).card().nickname()).isEqualTo("Alice"),
				() -> assertThat(view("net", stranger).card().nickname()).as("not in the handshake: not served")
						.isEmpty(),
				() -> assertThat(List.of(view("near", carol).card().nickname(), view("net", carol).card().nickname()))
						.containsOnly("Alice"),
				() -> sameCardAsAStranger(PeerContact::nickname)));
		rows.put(DISPLAY_NAME, cells(
				() -> {
					assertThat(view("near", stranger).card().displayName()).as("default: contacts only").isEmpty();
					assertThat(view("chosen", stranger).card().displayName()).as("shareDisplayName(CONTACTS_AND_NEAR_ME)")
							.isEqualTo("Alice Liddell");
				},
				() -> {
					assertThat(view("net", stranger).card().displayName()).isEmpty();
					assertThat(view("net", stranger).cardXml()).doesNotContain("Liddell");
				},
				() -> assertThat(List.of(view("near", carol), view("net", carol), view("chosen", carol)))
						.allSatisfy(v -> assertThat(v.card().displayName()).isEqualTo("Alice Liddell")),
				() -> sameCardAsAStranger(PeerContact::displayName)));
		rows.put(EMAIL, cells(
				() -> assertThat(List.of(view("near", stranger), view("chosen", stranger)))
						.allSatisfy(v -> assertThat(v.card().email()).isEmpty()),
				() -> {
					assertThat(view("net", stranger).card().email()).isEmpty();
					assertThat(view("net", stranger).cardXml()).doesNotContain("@");
				},
				() -> {
					assertThat(view("near", carol).card().email()).isEqualTo("alice@example.org");
					assertThat(view("net", carol).card().email()).isEqualTo("alice@example.org");
					assertThat(view("chosen", carol).card().email()).as("shareEmail(NO_ONE): contacts too").isEmpty();
				},
				() -> sameCardAsAStranger(PeerContact::email)));
		rows.put(PICTURE, cells(
				() -> assertThat(view("near", stranger).cardElements()).isSubsetOf(CARD_ELEMENTS),
				() -> {
					assertThat(view("net", stranger).cardElements()).isSubsetOf(CARD_ELEMENTS);
					PeerContact card = view("net", stranger).card();
					assertThat(List.of(card.nickname(), card.displayName(), card.email())).as("only name and certificate")
							.containsOnly("");
				},
				() -> assertThat(view("net", carol).cardElements()).isSubsetOf(CARD_ELEMENTS),
				() -> assertThat(view("near", mallory).cardElements()).isSubsetOf(CARD_ELEMENTS)));
		rows.put(NAMES, cells(
				() -> showsClassifierOnly(view("near", stranger)),
				() -> showsClassifierOnly(view("net", stranger)),
				() -> showsClassifierOnly(view("net", carol)),
				() -> showsClassifierOnly(view("net", mallory))));
		rows.put(ADDRESSES, cells(
				() -> servesNoAddress(view("near", stranger)),
				() -> servesNoAddress(view("net", stranger)),
				() -> servesNoAddress(view("net", carol)),
				() -> servesNoAddress(view("near", mallory))));
		rows.put(PRESENCE, cells(
				() -> {
					seesPresence(view("near", stranger), BUSY);
					seesPresence(view("chosen", stranger), null);
				},
				() -> seesPresence(view("net", stranger), null),
				() -> {
					seesPresence(view("near", carol), BUSY);
					seesPresence(view("net", carol), BUSY);
					seesPresence(view("chosen", carol), null);
				},
				() -> {
					seesPresence(view("near", mallory), BUSY);
					seesPresence(view("net", mallory), null);
				}));
		rows.put(APPLICATIONS, cells(
				() -> {
					seesApplications(view("near", stranger), NEAR_APP.withoutLaunchDetails());
					assertThat(invite(view("near", stranger), NET_APP).message())
							.as("an INTERNET application is invisible, so refused as if not registered")
							.isEqualTo("application not registered here");
				},
				() -> {
					seesApplications(view("net", stranger));
					assertThat(invite(view("net", stranger), NET_APP))
							.isEqualTo(new InviteReply(InvitationStatus.DECLINED, "application not registered here"));
				},
				() -> {
					seesApplications(view("near", carol), NEAR_APP.withoutLaunchDetails());
					seesApplications(view("net", carol), NET_APP);
				},
				() -> {
					seesApplications(view("near", mallory), NEAR_APP.withoutLaunchDetails());
					seesApplications(view("net", mallory));
				}));
		rows.put(OBJECTS, cells(
				() -> seesObjects(view("near", stranger), NEAR_OBJ),
				() -> seesObjects(view("net", stranger)),
				() -> {
					seesObjects(view("near", carol), NEAR_OBJ);
					seesObjects(view("net", carol), NET_OBJ);
				},
				() -> {
					seesObjects(view("near", mallory), NEAR_OBJ);
					seesObjects(view("net", mallory));
				}));
		rows.put(SIGNED_IN, cells(
				() -> assertThat(view("near", stranger).presence().status()).isNotEqualTo(PresenceStatus.OFFLINE),
				this::theListenerAnswersWhileSignedInOnly,
				() -> assertThat(view("net", carol).presence()).isEqualTo(BUSY),
				() -> assertThat(view("net", mallory).presence()).isEqualTo(PresenceInfo.OFFLINE)));
		assertThat(rows.keySet()).containsExactlyElementsOf(ROWS);
		return rows.entrySet().stream().flatMap(row -> row.getValue().entrySet().stream()
				.map(cell -> DynamicTest.dynamicTest(row.getKey() + " / " + cell.getKey(), cell.getValue()::run)));
	}

	private static Map<String, Runnable> cells(Runnable strangerNearMe, Runnable strangerOnInternet, Runnable contact,
			Runnable blocked) {
		Map<String, Runnable> cells = new LinkedHashMap<>();
		cells.put(STRANGER_NEAR_ME, strangerNearMe);
		cells.put(STRANGER_ON_INTERNET, strangerOnInternet);
		cells.put(CONTACT, contact);
		cells.put(BLOCKED, blocked);
		return cells;
	}

	private void provesNameAndCertificate(View v) {
		assertThat(v.connection().remote()).as("proven by the handshake").isEqualTo(alice.name());
		assertThat(v.card().name()).isEqualTo(alice.name());
		assertThat(v.card().certificate()).isEqualTo(alice.certificate());
	}

	/** A blocked contact's card is the card a stranger gets from the same endpoint, field for field. */
	private void sameCardAsAStranger(java.util.function.Function<PeerContact, String> field) {
		for (String endpoint : List.of("near", "net", "chosen")) {
			assertThat(field.apply(view(endpoint, mallory).card())).as(endpoint)
					.isEqualTo(field.apply(view(endpoint, stranger).card()));
			assertThat(view(endpoint, mallory).cardXml()).as(endpoint).isEqualTo(view(endpoint, stranger).cardXml());
		}
	}

	private void showsClassifierOnly(View v) {
		assertThat(v.connection().remote().classifier()).as("the certificate's CN, shown by the handshake")
				.isEqualTo("alice-laptop");
		assertThat(v.cardElements()).as("no endpoint names").doesNotContain("endpoint", "name");
	}

	private static void servesNoAddress(View v) {
		assertThat(v.card().endPoints()).isEmpty();
		assertThat(v.cardXml()).doesNotContain("<host>").doesNotContain("127.0.0.1");
	}

	/** @param expected the presence shown, or {@code null} for none: OFFLINE on the route, no presence event */
	private static void seesPresence(View v, PresenceInfo expected) {
		if (expected == null) {
			assertThat(v.presence()).isEqualTo(PresenceInfo.OFFLINE);
			assertThat(v.presenceEvents()).isEmpty();
		}
		else {
			assertThat(v.presence()).isEqualTo(expected);
			assertThat(v.presenceEvents()).extracting(PresenceChange::presence).containsExactly(expected);
		}
	}

	private static void seesApplications(View v, PeerApplication... expected) {
		assertThat(v.applications()).containsExactlyInAnyOrder(expected);
		assertThat(v.applicationEvents()).containsExactlyInAnyOrder(expected);
		assertThat(v.applications()).allSatisfy(a -> assertThat(a.path()).as("launch details never travel").isEmpty());
	}

	private static void seesObjects(View v, PeerObject... expected) {
		assertThat(v.objects()).containsExactlyInAnyOrder(expected);
		assertThat(v.objectEvents()).containsExactlyInAnyOrder(expected);
	}

	private static InviteReply invite(View v, PeerApplication app) {
		return v.connection().invite(new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Stranger", app, "hi",
				null, Duration.ofSeconds(5))).block(WAIT);
	}

	/** The listener answers anyone who has the address while signed in, even a stranger; after sign-out, no one. */
	private void theListenerAnswersWhileSignedInOnly() {
		View v = view("net", stranger);
		assertThat(v.connection().remote()).isEqualTo(alice.name());
		assertThat(v.presence()).as("but presence says nothing").isEqualTo(PresenceInfo.OFFLINE);

		PeerCollaboration gone = PeerCollaboration.builder().identity(alice).transport(TestPeers.loopback()).build();
		endpoints.add(gone);
		gone.signIn(PeerScope.INTERNET).block(WAIT);
		PeerEndPoint was = gone.endPoints().get(0);
		gone.signOut(PeerScope.INTERNET).block(WAIT);
		assertThatThrownBy(() -> callers.get(0).connect(alice.name(), was.address()).block(WAIT))
				.isInstanceOf(PeerUnreachableException.class);
	}

	// ----- what users do with what they get ------------------------------------------------------------------------------

	@Test
	void aStrangerNearMeStillMakesAContactFromTheReducedCard() {
		PeerCollaboration dave = dave();
		PeerContact contact = dave.contacts().createContact(dave.peer(alice.name(), near.endPoints().get(0)))
				.block(WAIT);
		assertThat(contact.name()).isEqualTo(alice.name());
		assertThat(contact.certificate()).isEqualTo(alice.certificate());
		assertThat(contact.nickname()).isEqualTo("Alice");
		assertThat(contact.displayName()).isEmpty();
		assertThat(contact.email()).isEmpty();
	}

	@Test
	void aStrangerOnTheInternetGetsACardWithNameAndCertificateOnly() {
		PeerCollaboration dave = dave();
		PeerContact contact = dave.contacts().createContact(dave.peer(alice.name(), net.endPoints().get(0)))
				.block(WAIT);
		assertThat(contact).isEqualTo(PeerContact.of(alice.name(), "", alice.certificate())
				.withEndPoints(List.of(net.endPoints().get(0))));
	}

	@Test
	void anInvisibleEndpointStillReceivesInvitations() {
		PeerCollaboration dave = dave();
		chosen.invitations().next().flatMap(i -> i.decline("not now")).subscribe();
		InvitationResponse r = dave.peer(alice.name(), chosen.endPoints().get(0)).invite(NEAR_APP, "draw?", null)
				.block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(r.message()).as("answered by Alice, not refused as unknown").isEqualTo("not now");
	}

	private PeerCollaboration dave() {
		PeerCollaboration dave = PeerCollaboration.builder().identity(PeerIdentity.generate("dave"))
				.transport(TestPeers.loopback()).build();
		endpoints.add(dave);
		dave.signIn(PeerScope.INTERNET).block(WAIT);
		return dave;
	}

	@Test
	void theReadmeTableHasExactlyTheseRowsAndColumnsAndNoEmptyCell() throws Exception {
		List<List<String>> table = PrivacyTable.readFrom(Path.of("..", "README.md"));
		assertThat(table.get(0)).containsExactlyElementsOf(
				Stream.concat(Stream.of("what"), COLUMNS.stream()).toList());
		assertThat(table.subList(1, table.size())).extracting(r -> r.get(0)).containsExactlyElementsOf(ROWS);
		assertThat(table).allSatisfy(r -> assertThat(r).hasSize(COLUMNS.size() + 1).allSatisfy(
				cell -> assertThat(cell).isNotBlank()));
	}
}
