// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.peercollab.AlreadyExistsException;
import io.peercollab.ChangeType;
import io.peercollab.Invitation;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEvent;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactPresence;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Meeting Space: a person's PeerCollab endpoint with a web page of its own, served on this machine only. The page
 * shows who I am, the people near me and my contacts with their presence, and invitations as they arrive; it invites
 * people into a meeting with a shared whiteboard, a chat and a handout tray (see {@link Meeting}).
 *
 * <pre>
 * meeting-space --nickname alice --interface lo     # prints http://127.0.0.1:PORT/ : open it in a browser
 * </pre>
 *
 * <p>Everything the page shows is kept here, changed on one thread ({@link #state()}), and pushed to every open page
 * over a WebSocket as JSON; the page sends its commands back the same way ({@link #handle(String)}). Built on the
 * public API only.
 */
@Command(name = "meeting-space", mixinStandardHelpOptions = true,
		description = "Meeting Space: people near me, contacts, invitations, and meetings with a shared whiteboard, "
				+ "a chat and handouts, in a web page served on 127.0.0.1 only.")
public final class MeetingSpace implements Callable<Integer>, AutoCloseable {

	/** Meeting Space as an application: every copy registers this id, so that each can invite the others. */
	public static final PeerApplication MEETING = PeerApplication.of(
			UUID.fromString("3f9b6c2a-1d4e-4a8f-b7c5-9e2d0a6f4b81"), "PeerCollab Meeting Space", PeerScope.ALL);

	static final Duration TIMEOUT = Duration.ofSeconds(30);
	static final ObjectMapper JSON = new ObjectMapper();

	@Option(names = "--nickname", required = true, description = "The name others see.")
	String nickname;

	@Option(names = "--port", description = "The web page's port on 127.0.0.1. Default: any free port.")
	int httpPort;

	@Option(names = "--data-dir", description = "Where the identity and contacts are kept across runs. "
			+ "Default: ~/.peercollab-meeting/NICKNAME.")
	Path dataDir;

	@Option(names = "--interface", paramLabel = "NAME", description = "The network interface for discovery and "
			+ "connections (lo to meet on one machine). Default: every suitable interface.")
	String networkInterface;

	@Option(names = "--service-type", paramLabel = "TYPE", description = "The mDNS service type to announce and "
			+ "browse, such as _my-team._tcp.local.: Meeting Spaces see only those of the same type (tests use one of "
			+ "their own). Default: PeerCollab's.")
	String serviceType;

	@Option(names = "--password", defaultValue = "${env:PEERCOLLAB_PASSWORD:-peercollab-demo-only}",
			description = "Password of the identity file. Default: $PEERCOLLAB_PASSWORD, else a fixed password fit "
					+ "for demos only.")
	char[] password;

	private PeerCollaboration collab;
	private final Scheduler state = Schedulers.newSingle("meeting-space");
	private final Disposable.Composite subscriptions = Disposables.composite();
	private final List<Consumer<String>> pages = new ArrayList<>();
	private MeetingWeb web;
	private Path handoutDir;
	private Meeting meeting;

	// what the page shows, changed on the state thread only
	private final Map<PeerName, Person> near = new LinkedHashMap<>();
	private final Map<PeerName, Person> contacts = new LinkedHashMap<>();
	private final Map<UUID, Invitation> invitations = new LinkedHashMap<>();
	private final List<String> notices = new ArrayList<>();

	/** Someone shown on the page, with the presence this endpoint last read. */
	static final class Person {
		final PeerName name;
		String nickname;
		PresenceInfo presence = PresenceInfo.OFFLINE;
		Peer peer;
		Disposable following;

		Person(PeerName name, String nickname) {
			this.name = name;
			this.nickname = nickname;
		}
	}

	/** For picocli; {@link #start(PeerCollaboration, int)} starts one around an endpoint of the caller's. */
	public MeetingSpace() {
	}

	/** Runs Meeting Space until the process is stopped; exits 1 if it could not start, 2 for bad options. */
	public static void main(String[] args) {
		System.exit(new CommandLine(new MeetingSpace()).execute(args));
	}

	/** Starts the endpoint and the page, prints the page's URL, and runs until the process is stopped. */
	@Override
	public Integer call() throws InterruptedException {
		MdnsDiscovery mdns = networkInterface != null ? MdnsDiscovery.onInterfaces(networkInterface)
				: MdnsDiscovery.defaultInterfaces();
		if (serviceType != null) {
			try {
				mdns = mdns.serviceType(serviceType);
			}
			catch (IllegalArgumentException e) {
				System.err.println("error: --service-type: " + e.getMessage());
				return 2;
			}
		}
		RSocketPeerTransport tcp = RSocketPeerTransport.tcp()
				.host(networkInterface != null ? ipv4(networkInterface) : "0.0.0.0");
		Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".peercollab-meeting",
				nickname.replaceAll("[^\\w.-]", "_"));
		PeerCollaboration endpoint;
		try {
			Path file = dir.resolve("identity.p12");
			PeerIdentity identity = Files.exists(file) ? PeerIdentity.load(file, password) : null;
			if (identity == null) {
				identity = PeerIdentity.generate(nickname.strip().replaceAll("\\s+", "-"));
				identity.save(file, password);
			}
			endpoint = PeerCollaboration.builder().identity(identity).nickname(nickname)
					.contactStore(ContactStores.h2(dir.resolve("contacts"))).discovery(mdns).transport(tcp).build();
			startOn(endpoint, httpPort);
		}
		catch (RuntimeException e) {
			System.err.println("error: " + describe(e));
			return 1;
		}
		System.out.println("Meeting Space of " + collab.nickname() + " (" + collab.name() + ")");
		System.out.println("open " + url());
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			close();
			stopped.countDown();
		}));
		stopped.await();
		return 0;
	}

	/**
	 * Starts Meeting Space around an endpoint built by the caller (tests: loopback discovery, an in-memory
	 * transport): registers {@link #MEETING}, signs in to every scope, and serves the page on 127.0.0.1.
	 *
	 * @param endpoint the endpoint, not signed in yet; closed by {@link #close()}
	 * @param httpPort the page's port, 0 for any free one
	 * @return the running Meeting Space; {@link #url()} is the page
	 */
	public static MeetingSpace start(PeerCollaboration endpoint, int httpPort) {
		MeetingSpace space = new MeetingSpace();
		space.startOn(endpoint, httpPort);
		return space;
	}

	private void startOn(PeerCollaboration endpoint, int port) {
		this.collab = endpoint;
		try {
			handoutDir = Files.createTempDirectory("meeting-handouts");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		try {
			endpoint.registerApplication(MEETING).onErrorResume(AlreadyExistsException.class, e -> Mono.empty())
					.then(endpoint.signIn(PeerScope.ALL)).block(TIMEOUT);
		}
		catch (RuntimeException e) {
			endpoint.close().onErrorResume(x -> Mono.empty()).block(TIMEOUT);
			throw e;
		}
		subscriptions.add(endpoint.peersNearMe().publishOn(state).subscribe(this::onNear, e -> notice(e)));
		subscriptions.add(endpoint.invitations().publishOn(state).subscribe(this::onInvitation, e -> notice(e)));
		subscriptions.add(endpoint.contacts().changes().publishOn(state).subscribe(this::onContact, e -> notice(e)));
		subscriptions.add(endpoint.contacts().presences().publishOn(state)
				.subscribe(this::onContactPresence, e -> notice(e)));
		subscriptions.add(endpoint.presenceChanges().publishOn(state).subscribe(p -> lobbyChanged()));
		web = MeetingWeb.start(this, port);
	}

	/** @return the page's address, such as {@code http://127.0.0.1:43121/} */
	public String url() {
		return "http://127.0.0.1:" + web.port() + "/";
	}

	/** @return the endpoint this Meeting Space shows */
	public PeerCollaboration endpoint() {
		return collab;
	}

	/** The one thread on which everything the page shows changes. */
	Scheduler state() {
		return state;
	}

	Path handoutDir() {
		return handoutDir;
	}

	/** @return the meeting this endpoint is in or hosts, or {@code null}; read it on {@link #state()} */
	Meeting meeting() {
		return meeting;
	}

	/** Signs out (neighbours see this endpoint leave; a meeting it hosts ends), stops the page, closes the endpoint. */
	@Override
	public void close() {
		if (collab == null) {
			return;
		}
		subscriptions.dispose();
		Mono.fromRunnable(() -> {
			if (meeting != null) {
				meeting.leave();
			}
			near.values().forEach(p -> dispose(p.following));
		}).subscribeOn(state).block(TIMEOUT);
		web.dispose();
		try {
			collab.close().block(TIMEOUT);
		}
		finally {
			state.dispose();
			deleteHandouts();
		}
	}

	private void deleteHandouts() {
		try (var files = Files.list(handoutDir)) {
			for (Path f : (Iterable<Path>) files::iterator) {
				Files.deleteIfExists(f);
			}
			Files.deleteIfExists(handoutDir);
		}
		catch (IOException e) {
			// a temporary directory: left for the system to clean
		}
	}

	// ----- the page ---------------------------------------------------------------------------------------------------

	/**
	 * A page connected: it gets the whole state first, then each change, in order, on {@code page}; the returned
	 * disposable disconnects it.
	 */
	Disposable connect(Consumer<String> page) {
		state.schedule(() -> {
			pages.add(page);
			page.accept(lobbyJson().toString());
			if (meeting != null) {
				page.accept(meeting.logJson(0).toString());
			}
			page.accept(meetingJson().toString());
		});
		return () -> state.schedule(() -> pages.remove(page));
	}

	/** Sends one update to every open page; on the state thread. */
	void toPages(ObjectNode update) {
		String text = update.toString();
		for (Consumer<String> p : pages) {
			p.accept(text);
		}
	}

	void lobbyChanged() {
		toPages(lobbyJson());
	}

	void meetingChanged() {
		toPages(meetingJson());
	}

	void notice(String text) {
		notices.add(text);
		while (notices.size() > 20) {
			notices.remove(0);
		}
		lobbyChanged();
	}

	private void notice(Throwable e) {
		state.schedule(() -> notice("error: " + describe(e)));
	}

	/**
	 * Runs one command of the page, as JSON: {@code {"t":"invite","names":[...]}} and the others the page's script
	 * sends. A test may call it to do what a click would. A command that cannot be carried out shows a notice on the
	 * page instead.
	 */
	public void handle(String command) {
		JsonNode c;
		try {
			c = JSON.readTree(command);
		}
		catch (IOException e) {
			state.schedule(() -> notice("error: the page sent something that is not JSON"));
			return;
		}
		state.schedule(() -> {
			try {
				run(c);
			}
			catch (RuntimeException e) {
				notice("error: " + describe(e));
			}
		});
	}

	private void run(JsonNode c) {
		switch (c.path("t").asText()) {
			case "nickname" -> collab.setNickname(c.path("value").asText())
					.then(Mono.defer(() -> collab.contacts().updateMe(c.path("value").asText(),
							collab.contacts().me().displayName(), collab.contacts().me().email())))
					.publishOn(state).subscribe(x -> lobbyChanged(), this::notice, this::lobbyChanged);
			case "presence" -> collab.setPresence(new PresenceInfo(
							PresenceStatus.valueOf(c.path("status").asText().toUpperCase(Locale.ROOT)),
							c.path("text").asText("")))
					.subscribe(null, this::notice);
			case "add-contact" -> {
				Person p = near.get(PeerName.parse(c.path("name").asText()));
				if (p == null) {
					throw new IllegalArgumentException("nobody near me is called " + c.path("name").asText());
				}
				collab.contacts().createContact(p.peer)
						.flatMap(contact -> collab.contacts().update(new PeerContact(contact.name(),
								contact.nickname(), contact.displayName(), contact.email(), contact.certificate(),
								contact.endPoints(), true, contact.subscribeAllowed())))
						.subscribe(null, this::notice);
			}
			case "start" -> startMeeting();
			case "invite" -> {
				Meeting m = meeting != null && meeting.isOpen() && meeting.isHost() ? meeting : startMeeting();
				for (JsonNode n : c.path("names")) {
					PeerName name = PeerName.parse(n.asText());
					Person p = near.containsKey(name) ? near.get(name) : contacts.get(name);
					if (p == null || p.peer == null) {
						throw new IllegalArgumentException("nobody near me and no contact is called " + name);
					}
					m.invite(p.peer);
				}
			}
			case "accept" -> {
				Invitation i = invitation(c);
				if (meeting != null && meeting.isOpen()) {
					meeting.leave();
				}
				meeting = Meeting.joining(this, i);
				toPages(meeting.logJson(0));
				meetingChanged();
			}
			case "decline" -> invitation(c).decline(c.path("message").asText("")).subscribe(null, this::notice);
			case "draw" -> current().draw(c.path("stroke"));
			case "chat" -> current().chat(c.path("text").asText());
			case "leave" -> current().leave();
			case "dismiss" -> {
				if (meeting != null && !meeting.isOpen()) {
					meeting = null;
					meetingChanged();
				}
			}
			case "cancel-handout" -> current().cancelHandout(UUID.fromString(c.path("id").asText()));
			default -> throw new IllegalArgumentException("unknown command '" + c.path("t").asText() + "'");
		}
	}

	private Meeting startMeeting() {
		if (meeting != null && meeting.isOpen()) {
			if (meeting.isHost()) {
				return meeting;
			}
			throw new IllegalStateException("leave the meeting you are in first");
		}
		meeting = Meeting.hosted(this);
		toPages(meeting.logJson(0));
		meetingChanged();
		return meeting;
	}

	private Meeting current() {
		if (meeting == null) {
			throw new IllegalStateException("not in a meeting: invite someone, or accept an invitation");
		}
		return meeting;
	}

	private Invitation invitation(JsonNode c) {
		Invitation i = invitations.remove(UUID.fromString(c.path("id").asText()));
		if (i == null) {
			throw new IllegalStateException("that invitation is no longer waiting for an answer");
		}
		lobbyChanged();
		return i;
	}

	/** A handout from the page: chunked into the current meeting; completes when every chunk is handed over. */
	Mono<Void> handout(String name, long size, Flux<byte[]> chunks) {
		return Mono.defer(() -> meeting == null ? Mono.<Void>error(new IllegalStateException("not in a meeting"))
				: meeting.sendHandout(name, size, chunks)).subscribeOn(state);
	}

	/** @return a received, verified handout's file, or {@code null}; read on the state thread */
	Mono<Path> handoutFile(UUID id) {
		return Mono.fromCallable(() -> meeting == null ? null : meeting.handoutFile(id)).subscribeOn(state);
	}

	// ----- the library's events -----------------------------------------------------------------------------------------

	private void onNear(PeerNearMeEvent event) {
		PeerNearMe peer = event.peer();
		if (event.type() == ChangeType.REMOVED) {
			Person gone = near.remove(peer.name());
			if (gone != null) {
				dispose(gone.following);
			}
			lobbyChanged();
			return;
		}
		Person p = near.computeIfAbsent(peer.name(), n -> new Person(n, peer.nickname()));
		p.nickname = peer.nickname();
		p.peer = peer;
		if (p.following == null) {
			// presence, live: the peer's event stream (a connection per followed peer while it is near me)
			p.following = peer.events().publishOn(state).subscribe(e -> onPeerEvent(p, e), e -> {
				p.presence = PresenceInfo.OFFLINE;
				lobbyChanged();
			});
		}
		lobbyChanged();
	}

	private void onPeerEvent(Person p, PeerEvent event) {
		if (event instanceof PresenceChange change) {
			p.presence = change.type() == ChangeType.REMOVED ? PresenceInfo.OFFLINE : change.presence();
			if (near.get(p.name) == p) {
				lobbyChanged();
			}
		}
	}

	private void onContact(ContactChange change) {
		PeerContact c = change.contact();
		if (change.type() == ChangeType.REMOVED) {
			contacts.remove(c.name());
		}
		else {
			contacts.computeIfAbsent(c.name(), n -> new Person(n, c.nickname())).nickname =
					c.nickname().isEmpty() ? c.name().classifier() : c.nickname();
			contacts.get(c.name()).peer = collab.peer(c);
		}
		lobbyChanged();
	}

	private void onContactPresence(ContactPresence presence) {
		Person p = contacts.get(presence.name());
		if (p != null) {
			p.presence = presence.presence();
			lobbyChanged();
		}
	}

	private void onInvitation(Invitation invitation) {
		invitations.put(invitation.id(), invitation);
		lobbyChanged();
		subscriptions.add(invitation.outcome().publishOn(state).subscribe(outcome -> {
			if (invitations.remove(invitation.id()) != null) {
				notice("the invitation from " + invitation.senderNickname() + " ended: "
						+ outcome.name().toLowerCase(Locale.ROOT));
			}
		}));
	}

	// ----- JSON for the page ----------------------------------------------------------------------------------------

	private ObjectNode lobbyJson() {
		ObjectNode o = JSON.createObjectNode().put("t", "lobby");
		ObjectNode me = o.putObject("me");
		me.put("name", collab.name().toString()).put("nickname", collab.nickname())
				.put("status", collab.presence().status().name()).put("text", collab.presence().text());
		ArrayNode nearJson = o.putArray("near");
		near.values().stream().sorted(Comparator.comparing((Person p) -> p.nickname.toLowerCase(Locale.ROOT))
				.thenComparing(p -> p.name.toString())).forEach(p -> person(nearJson.addObject(), p)
				.put("contact", contacts.containsKey(p.name)));
		ArrayNode contactJson = o.putArray("contacts");
		contacts.values().forEach(p -> person(contactJson.addObject(), p)
				.put("near", near.containsKey(p.name)));
		ArrayNode inv = o.putArray("invitations");
		invitations.values().forEach(i -> inv.addObject().put("id", i.id().toString())
				.put("from", i.senderNickname()).put("message", i.message()).put("contact", i.fromContact()));
		ArrayNode n = o.putArray("notices");
		notices.forEach(n::add);
		return o;
	}

	private static ObjectNode person(ObjectNode o, Person p) {
		return o.put("name", p.name.toString()).put("nickname", p.nickname)
				.put("status", p.presence.status().name()).put("text", p.presence.text());
	}

	private ObjectNode meetingJson() {
		ObjectNode o = JSON.createObjectNode().put("t", "meeting");
		if (meeting == null) {
			o.putNull("meeting");
		}
		else {
			o.set("meeting", meeting.json());
		}
		return o;
	}

	// ----- helpers ---------------------------------------------------------------------------------------------------

	private static void dispose(Disposable d) {
		if (d != null) {
			d.dispose();
		}
	}

	/** The first IPv4 address of an interface ({@code lo}: 127.0.0.1): where the transport listens. */
	private static String ipv4(String interfaceName) {
		try {
			NetworkInterface ni = NetworkInterface.getByName(interfaceName);
			if (ni == null) {
				throw new IllegalArgumentException("no network interface is named '" + interfaceName + "'");
			}
			return ni.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
					.map(InetAddress::getHostAddress)
					.orElseThrow(() -> new IllegalArgumentException(
							"network interface '" + interfaceName + "' has no IPv4 address"));
		}
		catch (SocketException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** An error in one line a person can act on. */
	static String describe(Throwable error) {
		Throwable e = Exceptions.unwrap(error);
		String message = e.getMessage();
		if (message == null || message.isBlank()) {
			return e.getClass().getSimpleName();
		}
		return message.replaceAll("\\s*\\R\\s*", " ");
	}
}
