// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.core.type.TypeReference;
import io.netty.util.ResourceLeakDetector;
import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.reliability.FuzzInputs.Category;
import io.peercollab.reliability.FuzzInputs.Input;
import io.peercollab.reliability.FuzzInputs.Model;
import io.peercollab.rsocket.LeakRecorder;
import io.peercollab.rsocket.MalformedDataTest;
import io.peercollab.rsocket.RawClient;
import io.rsocket.Payload;
import io.rsocket.RSocketErrorException;
import io.rsocket.exceptions.ConnectionCloseException;
import io.rsocket.exceptions.ConnectionErrorException;
import io.rsocket.exceptions.CustomRSocketException;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fuzzes a running endpoint: a real {@link PeerCollaboration} on RSocket + TLS on 127.0.0.1, signed in to
 * {@code ALL}, with an application registered and an invitation subscriber that answers at random. Raw RSocket
 * clients ({@link RawClient}) send {@value #DEFAULT_INPUTS} generated inputs of every category of
 * {@link FuzzInputs.Category} over real TLS connections, with bounded concurrency, while a well-behaved peer keeps a
 * session with the same endpoint busy. Netty's leak detection runs at {@code PARANOID} for the first
 * {@value #PARANOID_INPUTS} inputs (every category), then at {@code ADVANCED}; any leak report fails the test.
 *
 * <p>The seed is printed; {@code -Dpeercollab.fuzz.seed=N} replays a run, {@code -Dpeercollab.fuzz.inputs=N} changes
 * its length.
 */
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileInputFuzzTest {

	static final int DEFAULT_INPUTS = 100_000;
	static final int PARANOID_INPUTS = 5_000;
	static final int CONCURRENCY = 32;
	static final int RAW_CLIENTS = 4;
	static final Duration PER_REQUEST = Duration.ofSeconds(10);

	/** How one input ended. */
	enum Outcome {
		/** A payload that decodes as a CBOR map, or a stream or channel that completed. */
		ANSWER,
		/** An ERROR frame on the input's own stream. */
		ERROR_FRAME,
		/** Fire-and-forget and metadata-push have no answer: sent. */
		SENT,
		/** The connection closed under the input. */
		CLOSED,
		/** No answer within {@link #PER_REQUEST}. */
		TIMEOUT,
		/** An answer that does not decode, a request-response without a payload, or a failure in the test itself. */
		BAD
	}

	private final Endpoints endpoints = new Endpoints();
	private final List<Disposable> running = new CopyOnWriteArrayList<>();
	private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
	private final Map<String, AtomicLong> errorCodes = new ConcurrentHashMap<>();
	private final List<String> failures = new CopyOnWriteArrayList<>();
	private final AtomicInteger reconnects = new AtomicInteger();
	private final AtomicLong slowest = new AtomicLong();
	private final AtomicLong bytesSent = new AtomicLong();
	private final AtomicLong paranoidMillis = new AtomicLong();
	private final List<String> slow = new CopyOnWriteArrayList<>();
	private ResourceLeakDetector.Level previousLevel;

	@AfterEach
	void stop() {
		running.forEach(Disposable::dispose);
		endpoints.close();
		if (previousLevel != null) {
			ResourceLeakDetector.setLevel(previousLevel);
		}
	}

	@Test
	void everyHostileInputGetsAnErrorFrameOrAValidAnswerWhileAWellBehavedSessionKeepsTalking() {
		long seed = Long.getLong("peercollab.fuzz.seed", System.nanoTime());
		int inputs = Integer.getInteger("peercollab.fuzz.inputs", DEFAULT_INPUTS);
		System.out.println("fuzz seed " + seed + " (replay with -Dpeercollab.fuzz.seed=" + seed + "), " + inputs
				+ " inputs");
		previousLevel = ResourceLeakDetector.getLevel();
		// PARANOID tracks every buffer with a stack trace at each access, which more than doubles the cost of an input:
		// the first inputs (every category) run under it, the rest under ADVANCED, which tracks a sample of buffers.
		int paranoidInputs = Math.min(inputs, Integer.getInteger("peercollab.fuzz.paranoidInputs", PARANOID_INPUTS));
		ResourceLeakDetector.setLevel(paranoidInputs > 0 ? ResourceLeakDetector.Level.PARANOID
				: ResourceLeakDetector.Level.ADVANCED);
		int leaksBefore = LeakRecorder.collectLeaks().size();
		assertThat(LeakRecorder.isInstalled()).as("LeakRecorder installed by surefire's argLine").isTrue();

		// The endpoint under fire, and a friend with a session to it.
		PeerCollaboration target = endpoints.start("fuzz-target", t -> t,
				b -> b.invitationsPerPeerPerMinute(1_000_000));
		PeerCollaboration friend = endpoints.start("fuzz-friend");
		Random answers = new Random(seed);
		AtomicLong accepted = new AtomicLong();
		AtomicLong declined = new AtomicLong();
		running.add(target.invitations().subscribe(inv -> {
			boolean accept;
			synchronized (answers) {
				accept = inv.sender().equals(friend.name()) || answers.nextBoolean();
			}
			if (accept) {
				accepted.incrementAndGet();
				inv.accept().subscribe(session -> running.add(echo(session)), e -> {
				});
			}
			else {
				declined.incrementAndGet();
				inv.decline("no, thanks").subscribe(null, e -> {
				});
			}
		}));
		InvitationResponse response = Endpoints.peer(friend, target).invite(Endpoints.WHITEBOARD, "friend", null)
				.block(Endpoints.WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession friendSession = response.session().orElseThrow();
		SessionTraffic traffic = new SessionTraffic(friendSession);
		traffic.start(Duration.ofMillis(5));

		// Raw clients, each with an identity of its own.
		List<AtomicReference<RawClient>> clients = new ArrayList<>();
		for (int k = 0; k < RAW_CLIENTS; k++) {
			clients.add(new AtomicReference<>(connect(target, "fuzz-raw-" + k)));
		}

		long started = System.nanoTime();
		FuzzInputs generator = new FuzzInputs(seed, Endpoints.WHITEBOARD.id());
		// for investigating one category: -Dpeercollab.fuzz.category=MUTATED_FIELDS
		Category only = System.getProperty("peercollab.fuzz.category") == null ? null
				: Category.valueOf(System.getProperty("peercollab.fuzz.category"));
		int windows = 10;
		long[] echoesAtWindow = new long[windows + 1];
		echoesAtWindow[0] = traffic.echoed.get();
		AtomicInteger done = new AtomicInteger();
		long cpuStarted = cpuNanos();
		Flux.range(0, inputs)
				.flatMap(i -> {
					if (i == paranoidInputs) {
						ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.ADVANCED);
						paranoidMillis.set((System.nanoTime() - started) / 1_000_000);
					}
					Input in = only == null ? generator.input(i) : generator.input(i, only);
					bytesSent.addAndGet(in.data().length + (in.metadata() == null ? 0 : in.metadata().length)
							+ in.frames().stream().mapToLong(f -> f.length).sum());
					RawClient client = client(clients.get(i % RAW_CLIENTS), target, "fuzz-raw-" + (i % RAW_CLIENTS));
					Flux<Outcome> outcomes = in.category() == Category.SESSION_FLOW
							? sessionFlow(client, in, generator)
							: send(client, in).flux();
					long t0 = System.nanoTime();
					return outcomes.doOnNext(o -> {
						count(in, o);
						long ms = (System.nanoTime() - t0) / 1_000_000;
						slowest.accumulateAndGet(ms, Math::max);
						if (ms > 500) {
							slow.add(ms + " ms " + o + ": " + in);
						}
					}).then(Mono.fromRunnable(() -> {
						int n = done.incrementAndGet();
						if (n % (inputs / windows) == 0 && n / (inputs / windows) <= windows) {
							echoesAtWindow[n / (inputs / windows)] = traffic.echoed.get();
						}
					}));
				}, CONCURRENCY)
				.then()
				.block(Duration.ofSeconds(240));
		long fuzzMillis = (System.nanoTime() - started) / 1_000_000;
		long fuzzCpuMillis = (cpuNanos() - cpuStarted) / 1_000_000;
		long echoesDuring = traffic.echoed.get() - echoesAtWindow[0];

		System.out.println("fuzz phase took " + fuzzMillis + " ms (the first " + paranoidInputs + " inputs at PARANOID: "
				+ paranoidMillis.get() + " ms), " + fuzzCpuMillis + " ms of CPU, " + bytesSent.get() / 1024 + " KiB sent; slowest input " + slowest.get() + " ms; "
				+ slow.size() + " inputs over 500 ms");
		slow.stream().limit(10).forEach(System.out::println);
		traffic.stopAndDrain();
		long roundTripMillis = traffic.roundTrips(100);

		// Frames above the frame limit: PROTOCOL.md says the connection closes; the endpoint itself goes on.
		int tooLong = 0;
		for (int k = 0; k < 3; k++) {
			RawClient fresh = connect(target, "fuzz-raw-long");
			Throwable error = fresh.rsocket.requestResponse(DefaultPayload.create(new byte[600_000],
					FuzzInputs.routing("peercollab.v1.presence")))
					.then(Mono.<Throwable>empty())
					.onErrorResume(Mono::just)
					.timeout(PER_REQUEST)
					.block();
			assertThat(error).as("a frame above the frame limit").isNotNull();
			tooLong++;
			fresh.close();
		}

		// The endpoint is still up: a new raw connection and the friend's own client both get answers.
		RawClient after = connect(target, "fuzz-raw-after");
		Map<String, Object> presence = RawClient.map(after.rsocket
				.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of())).block(PER_REQUEST));
		assertThat(presence).containsEntry("status", "ONLINE");
		after.close();
		assertThat(Endpoints.peer(friend, target).presence().block(PER_REQUEST)).isEqualTo(PresenceInfo.ONLINE);

		List<String> newLeaks = LeakRecorder.collectLeaks();
		newLeaks = newLeaks.subList(Math.min(leaksBefore, newLeaks.size()), newLeaks.size());

		report(seed, inputs, fuzzMillis, echoesDuring, traffic, roundTripMillis, tooLong, accepted.get(),
				declined.get(), newLeaks.size());
		System.out.println("echoes at the end of each tenth of the inputs: " + java.util.Arrays.toString(echoesAtWindow));

		long total = counts.entrySet().stream().filter(e -> e.getKey().startsWith("*/"))
				.mapToLong(e -> e.getValue().get()).sum();
		assertThat(failures).as("inputs that hung, closed the connection or got a bad answer").isEmpty();
		assertThat(total).as("requests sent").isGreaterThanOrEqualTo(inputs);
		assertThat(count("*/" + Outcome.TIMEOUT)).isZero();
		assertThat(count("*/" + Outcome.CLOSED)).isZero();
		assertThat(count("*/" + Outcome.BAD)).isZero();
		assertThat(reconnects.get()).as("raw connections the endpoint closed").isZero();
		assertThat(count("*/" + Outcome.ANSWER) + count("*/" + Outcome.ERROR_FRAME) + count("*/" + Outcome.SENT))
				.isEqualTo(total);
		assertThat(errorCodes.getOrDefault("0x301 PEER_COLLAB", new AtomicLong()).get())
				.as("internal failures of the endpoint (code 0x301): bad input must be refused as bad input")
				.isZero();
		for (Category c : Category.values()) {
			assertThat(count(c + "/*")).as("inputs of category " + c).isPositive();
		}
		assertThat(echoesDuring).as("session messages echoed while the fuzzer ran").isGreaterThan(50);
		for (int w = 1; w <= windows; w++) {
			assertThat(echoesAtWindow[w]).as("session messages echoed by the end of fuzz window %d of %d", w, windows)
					.isGreaterThan(echoesAtWindow[w - 1]);
		}
		assertThat(traffic.outOfOrder.get()).as("session messages lost, repeated or reordered").isZero();
		assertThat(newLeaks).as("Netty buffer leaks (fuzz seed %d: replay with -Dpeercollab.fuzz.seed=%d)", seed, seed)
				.isEmpty();
	}

	/** The friend's session: numbered messages out, echoed back by the target, counted and checked in order. */
	static final class SessionTraffic {

		final CollaborationSession session;
		final AtomicLong sent = new AtomicLong();
		final AtomicLong echoed = new AtomicLong();
		final AtomicLong outOfOrder = new AtomicLong();
		final Disposable receiving;
		private Disposable pacing;

		SessionTraffic(CollaborationSession session) {
			this.session = session;
			this.receiving = session.receive().subscribe(m -> {
				long n = Long.parseLong(m.text());
				if (n != echoed.get()) {
					outOfOrder.incrementAndGet();
				}
				echoed.set(n + 1);
			});
		}

		void start(Duration every) {
			pacing = Flux.interval(every).onBackpressureDrop()
					.concatMap(t -> session.send(Long.toString(sent.getAndIncrement()).getBytes(StandardCharsets.UTF_8)),
							1)
					.subscribe(null, e -> {
					});
		}

		void stopAndDrain() {
			pacing.dispose();
			Endpoints.await(Endpoints.WAIT, "every session message echoed", () -> echoed.get() == sent.get());
		}

		/** @return the slowest of {@code n} sequential round trips, in milliseconds */
		long roundTrips(int n) {
			long slowest = 0;
			for (int k = 0; k < n; k++) {
				long t0 = System.nanoTime();
				long expected = sent.get() + 1;
				session.send(Long.toString(sent.getAndIncrement()).getBytes(StandardCharsets.UTF_8))
						.block(Endpoints.WAIT);
				Endpoints.await(Endpoints.WAIT, "echo " + expected, () -> echoed.get() >= expected);
				slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
			}
			return slowest;
		}
	}

	static long cpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
				.getOperatingSystemMXBean()).getProcessCpuTime();
	}

	private static Disposable echo(CollaborationSession session) {
		return session.receive().concatMap(m -> session.send(m.data()).onErrorResume(e -> Mono.empty()), 1)
				.subscribe(null, e -> {
				});
	}

	private RawClient connect(PeerCollaboration target, String classifier) {
		PeerIdentity id = Endpoints.identity(classifier);
		return RawClient.connect(target.endPoints().get(0).address(), id.privateKey(), id.certificate())
				.block(Endpoints.WAIT);
	}

	private RawClient client(AtomicReference<RawClient> ref, PeerCollaboration target, String classifier) {
		RawClient c = ref.get();
		if (!c.rsocket.isDisposed()) {
			return c;
		}
		synchronized (ref) {
			if (ref.get().rsocket.isDisposed()) {
				reconnects.incrementAndGet();
				ref.set(connect(target, classifier));
			}
			return ref.get();
		}
	}

	private Mono<Outcome> send(RawClient client, Input in) {
		return Mono.defer(() -> {
			Payload first = DefaultPayload.create(in.data(), in.metadata());
			Mono<Outcome> answer = switch (in.model()) {
				case REQUEST_RESPONSE -> client.rsocket.requestResponse(first).map(HostileInputFuzzTest::decodes)
						.defaultIfEmpty(Outcome.BAD);
				case REQUEST_STREAM -> client.rsocket.requestStream(first).next().map(HostileInputFuzzTest::decodes)
						.defaultIfEmpty(Outcome.ANSWER);
				case REQUEST_CHANNEL -> client.rsocket.requestChannel(Flux.concat(Mono.just(first),
						Flux.fromIterable(in.frames()).map(DefaultPayload::create)))
						.next().map(HostileInputFuzzTest::decodes).defaultIfEmpty(Outcome.ANSWER);
				case FIRE_AND_FORGET -> client.rsocket.fireAndForget(first).thenReturn(Outcome.SENT);
				case METADATA_PUSH -> client.rsocket.metadataPush(first).thenReturn(Outcome.SENT);
			};
			return answer;
		})
				.timeout(PER_REQUEST)
				.onErrorResume(e -> Mono.just(classify(e, in)))
				.doOnNext(o -> {
					if (o == Outcome.CLOSED || o == Outcome.TIMEOUT || o == Outcome.BAD) {
						failures.add(o + ": " + in);
					}
				});
	}

	/** A valid invitation; if the target accepts it, the session channel, with frames some of which are mutated. */
	private Flux<Outcome> sessionFlow(RawClient client, Input invite, FuzzInputs generator) {
		Map<String, Object> body;
		try {
			body = RawClient.CBOR.readValue(invite.data(), new TypeReference<Map<String, Object>>() {
			});
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
		AtomicReference<String> status = new AtomicReference<>();
		Mono<Outcome> inviting = client.rsocket.requestResponse(DefaultPayload.create(invite.data(), invite.metadata()))
				.map(p -> {
					Map<String, Object> reply = RawClient.map(p);
					status.set(String.valueOf(reply.get("status")));
					return Outcome.ANSWER;
				})
				.defaultIfEmpty(Outcome.BAD)
				.timeout(PER_REQUEST)
				.onErrorResume(e -> Mono.just(classify(e, invite)))
				.doOnNext(o -> {
					if (o != Outcome.ANSWER) {
						failures.add(o + ": " + invite);
					}
				});
		return inviting.flux().concatWith(Flux.defer(() -> "ACCEPTED".equals(status.get())
				? send(client, generator.sessionFor(invite, body, generator.random(invite.index() + 1_000_000_000)))
						.flux()
				: Flux.empty()));
	}

	private static Outcome decodes(Payload p) {
		try {
			RawClient.map(p);
			return Outcome.ANSWER;
		}
		catch (RuntimeException e) {
			return Outcome.BAD;
		}
	}

	private Outcome classify(Throwable e, Input in) {
		if (e instanceof ConnectionErrorException || e instanceof ConnectionCloseException
				|| e instanceof ClosedChannelException || e instanceof CancellationException) {
			return Outcome.CLOSED;
		}
		if (e instanceof CustomRSocketException custom) {
			errorCodes.computeIfAbsent(codeName(custom.errorCode()), k -> new AtomicLong()).incrementAndGet();
			if (custom.errorCode() == 0x301) {
				failures.add("internal failure " + custom.getMessage() + ": " + in);
			}
			String message = String.valueOf(custom.getMessage());
			for (String word : MalformedDataTest.INTERNALS) {
				if (custom.errorCode() == 0x302 && message.contains(word)) {
					failures.add("a decoder's internals (" + word + ") in '" + message + "': " + in);
				}
			}
			return Outcome.ERROR_FRAME;
		}
		if (e instanceof RSocketErrorException other) {
			errorCodes.computeIfAbsent(other.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
			return Outcome.ERROR_FRAME;
		}
		if (e instanceof TimeoutException) {
			return Outcome.TIMEOUT;
		}
		failures.add("unexpected " + e + ": " + in);
		return Outcome.BAD;
	}

	private final Map<Integer, String> codeNames = new ConcurrentHashMap<>();

	private String codeName(int code) {
		return codeNames.computeIfAbsent(code, c -> String.format(Locale.ROOT, "0x%03X %s", c,
				io.peercollab.rsocket.internal.ErrorCodes.of(c).name()));
	}

	private void count(Input in, Outcome o) {
		for (String key : List.of(in.category() + "/" + o, in.category() + "/*", "*/" + o,
				"model " + in.model() + "/*")) {
			counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
		}
	}

	private long count(String key) {
		AtomicLong n = counts.get(key);
		return n == null ? 0 : n.get();
	}

	private void report(long seed, int inputs, long fuzzMillis, long echoesDuring, SessionTraffic traffic,
			long roundTripMillis, int tooLong, long accepted, long declined, int leaks) {
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT, "FUZZ seed=%d inputs=%d requests=%d in %d ms (%.0f requests/s)%n",
				seed, inputs, count("*/" + Outcome.ANSWER) + count("*/" + Outcome.ERROR_FRAME)
						+ count("*/" + Outcome.SENT) + count("*/" + Outcome.CLOSED) + count("*/" + Outcome.TIMEOUT)
						+ count("*/" + Outcome.BAD),
				fuzzMillis, 1000.0 * (count("*/" + Outcome.ANSWER) + count("*/" + Outcome.ERROR_FRAME)
						+ count("*/" + Outcome.SENT)) / Math.max(1, fuzzMillis)));
		out.append(String.format(Locale.ROOT, "%-18s %8s %8s %8s %8s %8s %8s %8s%n", "category", "total",
				"ANSWER", "ERROR", "SENT", "CLOSED", "TIMEOUT", "BAD"));
		for (Category c : Category.values()) {
			out.append(String.format(Locale.ROOT, "%-18s %8d %8d %8d %8d %8d %8d %8d%n", c, count(c + "/*"),
					count(c + "/" + Outcome.ANSWER), count(c + "/" + Outcome.ERROR_FRAME),
					count(c + "/" + Outcome.SENT), count(c + "/" + Outcome.CLOSED), count(c + "/" + Outcome.TIMEOUT),
					count(c + "/" + Outcome.BAD)));
		}
		for (Model m : Model.values()) {
			out.append("model ").append(m).append(": ").append(count("model " + m + "/*")).append('\n');
		}
		out.append("error frames by code: ").append(new TreeMap<>(errorCodes)).append('\n');
		out.append("invitations answered by the target: accepted ").append(accepted).append(", declined ")
				.append(declined).append('\n');
		out.append("friend session: ").append(echoesDuring).append(" messages echoed during the fuzz, ")
				.append(traffic.echoed.get()).append(" in all, ").append(traffic.outOfOrder.get())
				.append(" out of order; slowest of 100 round trips after: ").append(roundTripMillis).append(" ms\n");
		out.append("frames above the frame limit: ").append(tooLong).append(", each closed its connection\n");
		out.append("raw reconnects: ").append(reconnects.get()).append(", leaks: ").append(leaks).append('\n');
		if (!failures.isEmpty()) {
			out.append("first failures:\n");
			failures.stream().limit(20).forEach(f -> out.append("  ").append(f).append('\n'));
		}
		System.out.print(out);
	}
}
