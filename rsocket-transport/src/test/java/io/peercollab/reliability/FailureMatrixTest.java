// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure matrix: for every stream and handle of this endpoint (the {@link Row rows}), what it emits and when,
 * after each way the other side can fail or leave, and after this side signs out or closes (the {@link Col columns}).
 * It is the test behind the table of {@code FAILURES.md} (linked from the README's "When the other side fails").
 *
 * <p>Every column has an endpoint of its own in this JVM and an other side of its own in a child JVM
 * ({@link MatrixPeerMain}), both on 127.0.0.1 with TLS, a keepalive of {@value #INTERVAL_MS} ms /
 * {@value #MAX_LIFE_TIME_MS} ms and mDNS on the loopback interface under a service type of the column's own. All
 * columns are set up at once (their children start together); then each column's test factory sets up every row's
 * stream or handle, does what the column says (once), and records the first thing each row emits and after how many
 * milliseconds. Each cell is then a test of its own that prints that and checks it against the table.
 *
 * <p>"Goes silent" is the child process stopped with {@code SIGSTOP}: its sockets stay open and nobody answers, no
 * FIN, no RST, no mDNS goodbye; exactly what a cut network cable looks like to this side's keepalive, in both
 * directions, including the connections the other side opened and the one its mDNS announcement points at.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailureMatrixTest {

	static final long INTERVAL_MS = 200;
	static final long MAX_LIFE_TIME_MS = 2_000;
	/** The transport's default connect timeout, which bounds a probe of a silent peer. */
	static final long CONNECT_TIMEOUT_MS = 5_000;
	/** Scheduling slack allowed over every bound of the table, for a loaded 2-core CI machine. */
	static final long SLACK_MS = 500;
	/** How long a column watches for its cells after its trigger: the slowest bound of the table, plus slack. */
	static final long WINDOW_MS = MAX_LIFE_TIME_MS + INTERVAL_MS + CONNECT_TIMEOUT_MS + 2 * SLACK_MS;
	/** How long the restart column waits for its peer to be back at its new address. */
	static final long BACK_WINDOW_MS = 30_000;

	/**
	 * The application of the invitation this side leaves pending with the other; one of its own, so that it keeps no
	 * session open and does not cross {@link #CHAT}.
	 */
	static final PeerApplication NOTES = new PeerApplication(UUID.fromString("5d2f7a1b-8c3e-4f1a-a05d-6e7c8b9d0f12"),
			"Notes", "n".getBytes(StandardCharsets.UTF_8), PeerScope.ALL, "/usr/bin/notes", List.of());
	/**
	 * The application of the invitation the other side leaves pending here (two invitations between the same peers
	 * into the same application cross, and one is declined).
	 */
	static final PeerApplication CHAT = new PeerApplication(UUID.fromString("7e4a9c2d-1b5f-4c3e-b16a-8f9d0e1a2b34"),
			"Chat", "c".getBytes(StandardCharsets.UTF_8), PeerScope.ALL, "/usr/bin/chat", List.of());

	/** Columns connecting at once while being set up: more only makes each slower on a 2-core machine. */
	static final int SET_UP_CONCURRENCY = 2;

	private static final char[] PASSWORD = "matrix".toCharArray();

	/** The streams and handles of this endpoint. */
	enum Row {
		NEAR_ME("peersNearMe()"),
		PRESENCES("contacts().presences()"),
		ITEM_CHANGES("contacts().itemChanges()"),
		EVENTS("peer(contact).events()"),
		INVITE("invite(..): a pending Mono<InvitationResponse>"),
		INVITATION("a received Invitation, pending: outcome()"),
		MEMBER_RECEIVE("member's session.receive()"),
		MEMBER_CLOSE("member's session.onClose()"),
		HOST_RECEIVE("host's session.receive() (the other was its only member)"),
		HOST_CLOSE("host's session.onClose() (the other was its only member)");

		final String title;

		Row(String title) {
			this.title = title;
		}
	}

	/** What happens, to the other side or to this one. */
	enum Col {
		SIGNS_OUT("a) the other side signs out"),
		CLOSES("b) the other side closes"),
		KILLED("c) the other side is killed (kill -9)"),
		SILENT("d) the other side goes silent"),
		RESTARTS("e) the other side restarts at another port"),
		I_SIGN_OUT("f) this side signs out"),
		I_CLOSE("g) this side closes");

		final String title;

		Col(String title) {
			this.title = title;
		}
	}

	/** The first thing a row emitted after the trigger, and when. */
	record Outcome(String what, long ms) {
	}

	/**
	 * What a cell must show: an outcome starting with {@code what} within {@code boundMs} of the trigger, or, with
	 * {@code what == null}, nothing within the column's window.
	 */
	record Expect(String what, long boundMs) {
	}

	static Expect within(String what, long boundMs) {
		return new Expect(what, boundMs);
	}

	static final Expect NOTHING = new Expect(null, WINDOW_MS);
	/** A peer that is gone tells at once, over its socket: within a second. */
	static final long PROMPT = 1_000;
	/** A silent connection is closed when the keepalive gives up: within max lifetime + interval. */
	static final long KEEPALIVE = MAX_LIFE_TIME_MS + INTERVAL_MS;
	/** Near me probes a peer whose watched connection closed; a probe of a silent peer ends at the connect timeout. */
	static final long KEEPALIVE_PROBE = KEEPALIVE + CONNECT_TIMEOUT_MS;

	/** The table: what every cell must show. */
	static final Map<Col, Map<Row, Expect>> TABLE = new EnumMap<>(Col.class);

	static {
		for (Col c : Col.values()) {
			TABLE.put(c, new EnumMap<>(Row.class));
		}
		for (Col c : List.of(Col.SIGNS_OUT, Col.CLOSES, Col.RESTARTS)) {
			Map<Row, Expect> t = TABLE.get(c);
			t.put(Row.NEAR_ME, within("REMOVED", PROMPT));
			t.put(Row.PRESENCES, within("OFFLINE", PROMPT));
			// a contact signing out shows nothing while signed out: its items leave as its events say
			t.put(Row.ITEM_CHANGES, within("REMOVED", PROMPT));
			t.put(Row.EVENTS, within("presence REMOVED", PROMPT));
			t.put(Row.INVITE, within("answered DECLINED", PROMPT));
			t.put(Row.INVITATION, within("WITHDRAWN", PROMPT));
			t.put(Row.MEMBER_RECEIVE, within("completed", PROMPT));
			t.put(Row.MEMBER_CLOSE, within("completed", PROMPT));
			t.put(Row.HOST_RECEIVE, within("completed", PROMPT));
			t.put(Row.HOST_CLOSE, within("completed", PROMPT));
		}
		for (Col c : List.of(Col.KILLED, Col.SILENT)) {
			long bound = c == Col.KILLED ? PROMPT : KEEPALIVE;
			Map<Row, Expect> t = TABLE.get(c);
			t.put(Row.NEAR_ME, within("REMOVED", c == Col.KILLED ? PROMPT : KEEPALIVE_PROBE));
			// a contact's endpoint leaves when its stream fails: no grace (its other endpoints may still answer)
			t.put(Row.PRESENCES, within("OFFLINE", c == Col.KILLED ? PROMPT : KEEPALIVE));
			// an unreachable contact's items stay as last seen
			t.put(Row.ITEM_CHANGES, NOTHING);
			t.put(Row.EVENTS, within("presence REMOVED", c == Col.KILLED ? PROMPT : KEEPALIVE));
			t.put(Row.INVITE, within("error PeerUnreachableException", bound));
			t.put(Row.INVITATION, within("WITHDRAWN", bound));
			t.put(Row.MEMBER_RECEIVE, within("error PeerUnreachableException", bound));
			t.put(Row.MEMBER_CLOSE, within("error PeerUnreachableException", bound));
			t.put(Row.HOST_RECEIVE, within("error PeerUnreachableException", bound));
			t.put(Row.HOST_CLOSE, within("error PeerUnreachableException", bound));
		}
		for (Col c : List.of(Col.I_SIGN_OUT, Col.I_CLOSE)) {
			Map<Row, Expect> t = TABLE.get(c);
			t.put(Row.NEAR_ME, within("completed", PROMPT));
			t.put(Row.PRESENCES, within("OFFLINE", PROMPT));
			t.put(Row.ITEM_CHANGES, within("REMOVED", PROMPT));
			t.put(Row.EVENTS, within("error NotSignedInException", PROMPT));
			t.put(Row.INVITE, within("error NotSignedInException", PROMPT));
			t.put(Row.INVITATION, within("DECLINED", PROMPT));
			t.put(Row.MEMBER_RECEIVE, within("completed", PROMPT));
			t.put(Row.MEMBER_CLOSE, within("completed", PROMPT));
			t.put(Row.HOST_RECEIVE, within("completed", PROMPT));
			t.put(Row.HOST_CLOSE, within("completed", PROMPT));
		}
	}

	@TempDir
	static Path directory;

	private final Map<Col, Column> columns = new EnumMap<>(Col.class);
	private final List<PeerCollaboration> open = new CopyOnWriteArrayList<>();

	@BeforeAll
	void startEveryColumn() throws Exception {
		long start = System.nanoTime();
		for (Col c : Col.values()) {
			if (!System.getProperty("matrix.columns", c.name()).contains(c.name())) {
				continue;
			}
			columns.put(c, new Column(c));
		}
		// the children (JVM start, identity, bind, mDNS) start together; each column then connects to its own
		Flux.fromIterable(columns.values())
				.flatMap(c -> Mono.fromCallable(() -> {
					c.setUp();
					return c;
				}).subscribeOn(Schedulers.boundedElastic()), SET_UP_CONCURRENCY)
				.then().block(Duration.ofSeconds(110));
		System.out.printf("MATRIX set up %d columns in %d ms%n", columns.size(), ms(start));
	}

	@AfterAll
	void stopEverything() {
		columns.values().forEach(Column::stop);
		Flux.fromIterable(open).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then()
				.block(Duration.ofSeconds(30));
	}

	@TestFactory
	@Order(1)
	Stream<DynamicTest> whenTheOtherSideSignsOut() throws Exception {
		return run(Col.SIGNS_OUT, c -> c.child.send("SIGNOUT"));
	}

	@TestFactory
	@Order(2)
	Stream<DynamicTest> whenTheOtherSideCloses() throws Exception {
		return run(Col.CLOSES, c -> c.child.send("CLOSE"));
	}

	@TestFactory
	@Order(3)
	Stream<DynamicTest> whenTheOtherSideIsKilled() throws Exception {
		return run(Col.KILLED, c -> c.child.process.destroyForcibly());
	}

	@TestFactory
	@Order(4)
	Stream<DynamicTest> whenTheOtherSideGoesSilent() throws Exception {
		return run(Col.SILENT, c -> signal("STOP", c.child));
	}

	@TestFactory
	@Order(5)
	Stream<DynamicTest> whenTheOtherSideRestartsAtAnotherPort() throws Exception {
		return run(Col.RESTARTS, c -> {
			c.child.send("CLOSE");
			c.child.expect("CLOSED", Endpoints.WAIT);
			c.t1 = System.nanoTime();
			c.successor.send("SIGNIN");
			c.newPort = Integer.parseInt(c.successor.expect("PORT ", Endpoints.WAIT));
		});
	}

	@TestFactory
	@Order(6)
	Stream<DynamicTest> whenThisSideSignsOut() throws Exception {
		return run(Col.I_SIGN_OUT, c -> c.me.signOut(PeerScope.ALL).subscribe());
	}

	@TestFactory
	@Order(7)
	Stream<DynamicTest> whenThisSideCloses() throws Exception {
		return run(Col.I_CLOSE, c -> c.me.close().subscribe());
	}

	interface Trigger {
		void fire(Column c) throws Exception;
	}

	private Stream<DynamicTest> run(Col col, Trigger trigger) throws Exception {
		Column c = columns.get(col);
		org.junit.jupiter.api.Assumptions.assumeTrue(c != null, "column not selected");
		assertThat(c.setUpError.get()).as("column set up").isNull();
		assertThat(c.early).as("nothing ended before the trigger").isEmpty();
		c.t0 = System.nanoTime();
		trigger.fire(c);
		waitUntil(c.t0, WINDOW_MS, () -> c.first.size() == Row.values().length);
		if (col == Col.RESTARTS) {
			waitUntil(c.t1, BACK_WINDOW_MS, () -> c.back.size() == 3);
		}
		if (col == Col.I_SIGN_OUT || col == Col.I_CLOSE) {
			// what the other side saw: its invitation from here withdrawn, its sessions with here closed (a goodbye)
			List<String> saw = new ArrayList<>();
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WINDOW_MS);
			while (saw.size() < 3 && System.nanoTime() < deadline) {
				String line = c.child.nextLine(Duration.ofMillis(WINDOW_MS));
				if (line == null) {
					break;
				}
				if (line.startsWith("OUTCOME ") || line.startsWith("SESSION-END ")) {
					saw.add(line);
				}
			}
			c.otherSaw.addAll(saw);
		}
		Map<Row, Outcome> seen = new EnumMap<>(c.first);
		List<DynamicTest> tests = new ArrayList<>();
		for (Row r : Row.values()) {
			Outcome o = seen.get(r);
			Expect e = TABLE.get(col).get(r);
			tests.add(DynamicTest.dynamicTest(r.title, () -> {
				System.out.printf(Locale.ROOT, "MATRIX %-42s | %-58s | %-40s | %s%n", col.title, r.title,
						o == null ? "nothing within " + WINDOW_MS + " ms" : o.what, o == null ? "-" : o.ms + " ms");
				System.out.println("MATRIX   trail: " + c.trails.getOrDefault(r, List.of()));
				if (e.what == null) {
					assertThat(o).as("nothing").isNull();
				}
				else {
					assertThat(o).as("an outcome").isNotNull();
					assertThat(o.what).startsWith(e.what);
					assertThat(o.ms).as("ms after the trigger").isLessThanOrEqualTo(e.boundMs + SLACK_MS);
				}
			}));
		}
		if (col == Col.I_SIGN_OUT || col == Col.I_CLOSE) {
			tests.add(DynamicTest.dynamicTest("what the other side saw", () -> {
				System.out.printf(Locale.ROOT, "MATRIX %-42s | the other side saw: %s%n", col.title, c.otherSaw);
				assertThat(c.otherSaw).containsExactlyInAnyOrder("OUTCOME WITHDRAWN", "SESSION-END host completed",
						"SESSION-END member completed");
			}));
		}
		if (col == Col.RESTARTS) {
			for (Row r : List.of(Row.NEAR_ME, Row.PRESENCES, Row.EVENTS)) {
				Outcome o = c.back.get(r);
				tests.add(DynamicTest.dynamicTest(r.title + ", back at the new port", () -> {
					System.out.printf(Locale.ROOT, "MATRIX %-42s | %-58s | %-40s | %s%n", "e') ...and is back",
							r.title, o == null ? "nothing within " + BACK_WINDOW_MS + " ms" : o.what,
							o == null ? "-" : o.ms + " ms after it signed in again");
					assertThat(o).as("back").isNotNull();
				}));
			}
		}
		c.stop();
		return tests.stream();
	}

	/** One column: this side's endpoint, the other side's process, every row's stream or handle. */
	final class Column {

		final Col col;
		final String serviceType;
		final ChildJvm child;
		/** The restart column's second process: the same identity, signed in on {@code SIGNIN}. */
		final ChildJvm successor;
		PeerCollaboration me;
		PeerName other;
		int port;
		volatile int newPort;
		volatile long t0;
		volatile long t1;
		final Map<Row, Outcome> first = new ConcurrentHashMap<>();
		final Map<Row, Outcome> back = new ConcurrentHashMap<>();
		final Map<Row, List<String>> trails = new ConcurrentHashMap<>();
		final List<String> early = new CopyOnWriteArrayList<>();
		final List<String> otherSaw = new CopyOnWriteArrayList<>();
		final AtomicReference<Throwable> setUpError = new AtomicReference<>();
		final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

		Column(Col col) throws IOException {
			this.col = col;
			Random random = new Random();
			StringBuilder type = new StringBuilder("_pcm");
			for (int i = 0; i < 8; i++) {
				type.append((char) ('a' + random.nextInt(26)));
			}
			serviceType = type + "._tcp.local.";
			Path identity = directory.resolve(col.name() + ".p12");
			PeerIdentity.loadOrGenerate(identity, PASSWORD, "other-" + col.name().toLowerCase(Locale.ROOT)
					.replace('_', '-'));
			child = start(identity, "go");
			successor = col == Col.RESTARTS ? start(identity, "hold") : null;
		}

		private ChildJvm start(Path identity, String mode) throws IOException {
			return ChildJvm.start(MatrixPeerMain.class, directory.resolve(col.name() + "-" + mode + "-stderr.txt"),
					Long.toString(INTERVAL_MS), Long.toString(MAX_LIFE_TIME_MS), serviceType, identity.toString(),
					mode);
		}

		void setUp() throws Exception {
			long start = System.nanoTime();
			try {
				doSetUp();
				System.out.printf("MATRIX column %s set up in %d ms%n", col, ms(start));
			}
			catch (Throwable e) {
				StringBuilder lines = new StringBuilder();
				try {
					String line;
					while ((line = child.nextLine(Duration.ofMillis(200))) != null) {
						lines.append(line).append(" / ");
					}
				}
				catch (Throwable ignored) {
					// nothing more printed
				}
				StackTraceElement at = Stream.of(e.getStackTrace())
						.filter(f -> f.getClassName().startsWith(FailureMatrixTest.class.getName())).findFirst()
						.orElse(null);
				setUpError.set(new AssertionError(col + ": " + e + " at " + at + "; the child printed: " + lines + " and said: "
						+ child.errors(), e));
			}
		}

		private void record(Row r, String what) {
			long t = t0;
			trails.computeIfAbsent(r, k -> new CopyOnWriteArrayList<>())
					.add(what + (t == 0 ? " (before)" : " @" + ms(t)));
			if (t == 0) {
				return;
			}
			int detail = what.indexOf(" (");
			first.putIfAbsent(r, new Outcome(detail < 0 ? what : what.substring(0, detail), ms(t)));
		}

		/** A stream that ended before the trigger: the column is broken. */
		private void ended(Row r, String what) {
			if (t0 == 0) {
				early.add(r + ": " + what);
			}
			record(r, what);
		}

		private void recordBack(Row r, String what) {
			long t = t1;
			if (t != 0) {
				back.putIfAbsent(r, new Outcome(what, ms(t)));
			}
		}

		private void doSetUp() throws Exception {
			me = PeerCollaboration.builder()
					.identity(Endpoints.identity("matrix-me-" + col.name().toLowerCase(Locale.ROOT).replace('_', '-')))
					.nickname("me")
					.transport(Endpoints.loopback().keepAlive(Duration.ofMillis(INTERVAL_MS),
							Duration.ofMillis(MAX_LIFE_TIME_MS)))
					.discovery(MdnsDiscovery.onLoopback().serviceType(serviceType))
					.build();
			open.add(me);
			me.signIn(PeerScope.ALL).then(me.registerApplication(Endpoints.WHITEBOARD))
					.then(me.registerApplication(NOTES)).then(me.registerApplication(CHAT)).block(Endpoints.WAIT);
			int myPort = me.endPoints().get(0).tcpAddress().getPort();
			// a JVM start, an identity and a bind: seconds on a busy machine, the children start all at once
			other = PeerName.parse(child.expect("NAME ", Duration.ofSeconds(45)));
			port = Integer.parseInt(child.expect("PORT ", Duration.ofSeconds(45)));
			child.expect("READY", Endpoints.WAIT);

			// peersNearMe(): shown once proven; REMOVED, or back at the new port
			AtomicBoolean near = new AtomicBoolean();
			subscriptions.add(me.peersNearMe().subscribe(e -> {
				if (!e.peer().name().equals(other)) {
					return;
				}
				if (e.type() == ChangeType.ADDED) {
					near.set(true);
				}
				boolean atNewPort = e.peer().endPoints().stream().noneMatch(p -> p.tcpAddress().getPort() == port);
				if (e.type() != ChangeType.ADDED || t0 != 0) {
					record(Row.NEAR_ME, e.type() + (atNewPort ? " (new port)" : ""));
				}
				if (e.type() != ChangeType.REMOVED && atNewPort) {
					recordBack(Row.NEAR_ME, e.type() + " at the new port");
				}
			}, e -> ended(Row.NEAR_ME, "error " + describe(e)), () -> ended(Row.NEAR_ME, "completed")));

			// a subscribed contact: presences() and peer(contact).events()
			Peer direct = me.peer(other, PeerEndPoint.of(new InetSocketAddress("127.0.0.1", port)));
			PeerContact contact = me.contacts().createContact(direct).block(Endpoints.WAIT);
			contact = me.contacts().update(contact.withSubscribed(true)).block(Endpoints.WAIT);
			AtomicBoolean present = new AtomicBoolean();
			subscriptions.add(me.contacts().presences().subscribe(p -> {
				if (!p.name().equals(other)) {
					return;
				}
				boolean offline = p.presence().status() == PresenceStatus.OFFLINE;
				if (t0 == 0) {
					present.set(!offline);
					return;
				}
				record(Row.PRESENCES, p.presence().status().toString());
				if (!offline) {
					recordBack(Row.PRESENCES, p.presence().status().toString());
				}
			}, e -> ended(Row.PRESENCES, "error " + describe(e)), () -> ended(Row.PRESENCES, "completed")));
			subscriptions.add(me.contacts().itemChanges().subscribe(ch -> {
				if (ch.contact().equals(other) && t0 != 0) {
					ChangeType type = ch.change() instanceof io.peercollab.ApplicationChange a ? a.type()
							: ((io.peercollab.ObjectChange) ch.change()).type();
					record(Row.ITEM_CHANGES, type + " (" + ch.change() + ")");
				}
			}, e -> ended(Row.ITEM_CHANGES, "error " + describe(e)), () -> ended(Row.ITEM_CHANGES, "completed")));
			AtomicBoolean synced = new AtomicBoolean();
			subscriptions.add(me.peer(contact).events().subscribe(e -> {
				if (t0 == 0) {
					synced.compareAndSet(false, e instanceof PeerEvent.Synced);
					return;
				}
				if (e instanceof PresenceChange p) {
					record(Row.EVENTS, "presence " + p.type());
				}
				else {
					trails.computeIfAbsent(Row.EVENTS, k -> new CopyOnWriteArrayList<>())
							.add(e.getClass().getSimpleName() + (e instanceof io.peercollab.ApplicationChange a ? " " + a.type()
									: e instanceof io.peercollab.ObjectChange o ? " " + o.type() : "") + " @" + ms(t0));
				}
				if (e instanceof PeerEvent.Synced && first.containsKey(Row.EVENTS)) {
					recordBack(Row.EVENTS, "diff, then Synced");
				}
			}, e -> ended(Row.EVENTS, "error " + describe(e)), () -> ended(Row.EVENTS, "completed")));

			// an invitation from here that the other never answers
			subscriptions.add(direct.invite(NOTES, "ignore", null, Duration.ofMinutes(5)).subscribe(
					r -> ended(Row.INVITE, "answered " + r.status() + " (" + r.message() + ")"),
					e -> ended(Row.INVITE, "error " + describe(e)),
					() -> ended(Row.INVITE, "completed empty")));
			child.expect("PENDING ", Endpoints.WAIT);

			// an invitation from the other that this side leaves pending, and one it accepts (the other hosts)
			AtomicReference<Invitation> pending = new AtomicReference<>();
			AtomicReference<CollaborationSession> member = new AtomicReference<>();
			subscriptions.add(me.invitations().subscribe(inv -> {
				if (inv.message().equals("pending")) {
					pending.set(inv);
					inv.outcome().subscribe(s -> ended(Row.INVITATION, s.toString()),
							e -> ended(Row.INVITATION, "error " + describe(e)));
				}
				else {
					inv.accept().subscribe(member::set, e -> setUpError.compareAndSet(null, e));
				}
			}, e -> trail(Row.INVITATION, "invitations() error " + describe(e)),
					() -> trail(Row.INVITATION, "invitations() completed")));
			child.send("INVITE " + me.name() + " " + myPort + " CHAT pending");
			await("the pending invitation", () -> pending.get() != null);
			child.send("INVITE " + me.name() + " " + myPort + " WHITEBOARD host-me");
			assertThat(child.expect("INVITED host-me ", Endpoints.WAIT)).isEqualTo("ACCEPTED");
			await("the member session", () -> member.get() != null);

			// a session hosted here with the other as its only member
			InvitationResponse accepted = direct.invite(Endpoints.WHITEBOARD, "accept", null).block(Endpoints.WAIT);
			assertThat(accepted.status()).isEqualTo(InvitationStatus.ACCEPTED);
			CollaborationSession hosted = accepted.session().orElseThrow();
			watch(member.get(), Row.MEMBER_RECEIVE, Row.MEMBER_CLOSE);
			watch(hosted, Row.HOST_RECEIVE, Row.HOST_CLOSE);
			await("the other near me", near::get);
			await("the contact present", present::get);
			await("the contact followed", synced::get);
			await("the sessions' echoes", () -> trails.getOrDefault(Row.MEMBER_RECEIVE, List.of()).size() == 1
					&& trails.getOrDefault(Row.HOST_RECEIVE, List.of()).size() == 1);
			trails.clear();
		}

		private void watch(CollaborationSession s, Row receive, Row close) {
			subscriptions.add(s.receive().subscribe(m -> trail(receive, "message"),
					e -> ended(receive, "error " + describe(e)), () -> ended(receive, "completed")));
			subscriptions.add(s.onClose().subscribe(null, e -> ended(close, "error " + describe(e)),
					() -> ended(close, "completed")));
			s.send(Endpoints.utf8("echo?")).block(Endpoints.WAIT);
		}

		private void trail(Row r, String what) {
			trails.computeIfAbsent(r, k -> new CopyOnWriteArrayList<>()).add(what + (t0 == 0 ? "" : " @" + ms(t0)));
		}

		void stop() {
			subscriptions.forEach(Disposable::dispose);
			for (ChildJvm c : successor == null ? List.of(child) : List.of(child, successor)) {
				if (c.process.isAlive()) {
					signal("CONT", c);
				}
				c.close();
			}
		}
	}

	/** @return "error", the exception's simple name, and its message abbreviated in parentheses */
	private static String describe(Throwable e) {
		String message = String.valueOf(e.getMessage());
		return e.getClass().getSimpleName() + " (" + (message.length() > 60 ? message.substring(0, 60) + "..."
				: message) + ")";
	}

	private static void signal(String signal, ChildJvm child) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.process.pid())).start();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new AssertionError("kill -" + signal + " failed");
			}
		}
		catch (IOException e) {
			throw new AssertionError(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError(e);
		}
	}

	private static void await(String what, BooleanSupplier condition) {
		Endpoints.await(Endpoints.WAIT, what, condition);
	}

	/** Waits, on a Reactor timer, until {@code done} holds or {@code windowMs} after {@code since} have passed. */
	private static void waitUntil(long since, long windowMs, BooleanSupplier done) {
		while (!done.getAsBoolean() && ms(since) < windowMs) {
			Mono.delay(Duration.ofMillis(10)).block();
		}
	}

	private static long ms(long since) {
		return (System.nanoTime() - since) / 1_000_000;
	}
}
