// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.Diagnostic;
import io.peercollab.IpLiterals;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import org.jspecify.annotations.Nullable;

/**
 * Publishes and resolves endpoints in the BitTorrent Mainline DHT, as BEP 44 mutable items signed by an Ed25519
 * identity's key, holding a Pkarr-style DNS packet (format: {@code reactive-core/DHT-RECORD.md}). One instance runs
 * one read-only DHT client (BEP 5, BEP 44, BEP 43: one UDP socket on Reactor Netty's shared event loops; it stores
 * nothing for others), started on first use or by {@link #start()}, stopped by {@link #close()}. It contacts only the
 * bootstrap nodes and the nodes they name, and resolves a bootstrap node's name in DNS only if it was given as one.
 *
 * <pre>{@code
 * MainlineDht dht = MainlineDht.builder().build();      // seeded by the public routers
 * PeerCollaboration me = PeerCollaboration.builder()
 *         .identity(identity).transport(transport)
 *         .nameResolver(dht).namePublisher(dht)          // the library publishes and republishes
 *         .build();
 * // or directly: publish, then find a contact
 * Mono<Void> published = dht.publish(identity, List.of(endPoint));
 * Flux<EndpointRecord> found = dht.resolve(contact);
 * }</pre>
 *
 * <p>Only Ed25519 identities have a record: BEP 44 signs with Ed25519. EC P-256 identities are reached through their
 * cards and last-seen endpoints only; resolving such a contact completes empty and publishing for such an identity
 * fails. Thread-safe.
 */
public final class MainlineDht implements PeerNameResolver, PeerNamePublisher {

	/** The public Mainline DHT routers, the default bootstrap nodes; resolved in DNS only when a node starts. */
	public static final List<InetSocketAddress> PUBLIC_ROUTERS = List.of(
			InetSocketAddress.createUnresolved("router.bittorrent.com", 6881),
			InetSocketAddress.createUnresolved("dht.transmissionbt.com", 6881),
			InetSocketAddress.createUnresolved("router.utorrent.com", 6881),
			InetSocketAddress.createUnresolved("dht.libtorrent.org", 25401));

	/**
	 * The kind of the {@link Diagnostic}s of {@link #diagnostics()}: a record found in the DHT was refused, and why
	 * (its cause, a {@link RecordRefusedException}, names the check).
	 */
	public static final Diagnostic.Kind RECORD_REFUSED = Diagnostic.Kind.of("dht.RECORD_REFUSED");

	/** How long DHT nodes keep a record that is not published again (BEP 44 storage expiry). */
	public static final Duration RECORD_LIFETIME = PkarrCodec.MAX_AGE;

	private static final Logger LOG = LoggerFactory.getLogger(MainlineDht.class);

	/** The most refused records one lookup reports; a node answering with many forged items is not a flood. */
	private static final int MAX_REFUSALS_PER_LOOKUP = 16;

	/** Acknowledgements a publish waits for when that many nodes gave a token; it needs at least one. */
	private static final int WANTED_ACKS = 3;

	/**
	 * How many times a publication reads the record, merges and puts, when a node refused the put because another
	 * device of the identity stored a record meanwhile (BEP 44 errors 301, compare-and-swap failed, and 302, a newer
	 * sequence number stored).
	 */
	static final int MAX_MERGE_ATTEMPTS = 3;

	/** The shortest lookup timeout. */
	static final Duration HEDGE = Duration.ofSeconds(1);

	/** How long one request waits for its reply. */
	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

	/** How long start waits for the bootstrap nodes to answer before going on without. */
	private static final Duration SEED_WAIT = Duration.ofSeconds(3);

	private final InetAddress bindAddress;

	private final int port;

	private final List<InetSocketAddress> bootstrapNodes;

	private final Duration lookupTimeout;

	private final Duration lookupGrace;

	private final Duration recordTtl;

	/** Highest sequence number accepted per key (z-base-32), so that an older record never wins afterwards. */
	private final Map<String, Long> accepted = new ConcurrentHashMap<>();

	/** The refused records, see {@link #diagnostics()}. */
	private final Sinks.Many<Diagnostic> refusals = Sinks.many().multicast().directBestEffort();

	/** The refusals not emitted yet: one thread at a time emits them all, see {@link #refuse}. */
	private final Queue<Diagnostic> pendingRefusals = new ConcurrentLinkedQueue<>();

	/** Work in progress on {@link #pendingRefusals}: non-zero while a thread drains it. */
	private final AtomicInteger refusalsWip = new AtomicInteger();

	/** This device's id in the device tags of the records it publishes (see {@link Builder#deviceId}). */
	private final String deviceId;

	/** The builder's device id, which wins over the one a caller passes; {@code null} if none was set. */
	private final @Nullable String configuredDeviceId;

	/** Per key, the pending read-back of a first publication (see {@link #checkFirstPublication}). */
	private final Map<String, Disposable> firstChecks = new ConcurrentHashMap<>();

	/**
	 * For tests: what a publication waits for between its read and its put, given the key (z-base-32), to force two
	 * devices' publications to interleave.
	 */
	volatile java.util.function.Function<String, Mono<Void>> pauseBeforePut = id -> Mono.empty();

	/** Last sequence number published per key, so that each publish goes strictly up. */
	private final Map<String, Long> published = new ConcurrentHashMap<>();

	private final Object lock = new Object();

	private Mono<DhtClient> starting;

	private volatile DhtClient node;

	private volatile boolean closed;

	private MainlineDht(Builder b) {
		this.bindAddress = b.bindAddress;
		this.port = b.port;
		this.bootstrapNodes = List.copyOf(b.bootstrapNodes);
		this.lookupTimeout = b.lookupTimeout;
		this.lookupGrace = b.lookupGrace;
		this.recordTtl = b.recordTtl;
		this.configuredDeviceId = b.deviceId;
		this.deviceId = b.deviceId != null ? b.deviceId : randomDeviceId();
	}

	private static String randomDeviceId() {
		byte[] bytes = new byte[5];
		new java.security.SecureRandom().nextBytes(bytes);
		return ZBase32.encode(bytes);
	}

	/**
	 * @return this instance's device id: the tag of the endpoints {@link #publish(PeerIdentity, List)} publishes,
	 * which its later publications replace and which other devices of the same identity keep when they publish (see
	 * {@link Builder#deviceId}); the builder's, else a random one. A publication through
	 * {@link #publish(PeerIdentity, List, String)} (the engine's) uses the builder's id if one was set, else the one
	 * it is given
	 */
	public String deviceId() {
		return deviceId;
	}

	/** @return an immutable builder with every default set */
	public static Builder builder() {
		return Builder.DEFAULTS;
	}

	/**
	 * Starts the DHT node, once: binds the UDP socket, pings every bootstrap node (resolving only those given as host
	 * names, on a blocking-friendly thread) and looks up its own id to fill its routing table, for at most 3 s.
	 * Calling it again returns the same start; {@link #resolve} and {@link #publish} call it themselves.
	 *
	 * @return completes once the socket is bound and seeds were pinged; fails with {@link PeerUnreachableException}
	 * if the socket cannot be bound, or with {@link IllegalStateException} after {@link #close()}
	 */
	public Mono<Void> start() {
		return node().then();
	}

	/**
	 * Stops the DHT node: closes its socket and stops its threads. Idempotent; later calls to {@link #resolve}
	 * complete empty and {@link #publish} fails.
	 *
	 * @return completes once the node stopped
	 */
	public Mono<Void> close() {
		return Mono.defer(() -> {
			DhtClient n;
			synchronized (lock) {
				closed = true;
				n = node;
				node = null;
			}
			firstChecks.values().forEach(Disposable::dispose);
			firstChecks.clear();
			return n == null ? Mono.empty() : n.close();
		});
	}

	/**
	 * @return the bound UDP address
	 * @throws IllegalStateException if the node has not started, or was closed
	 */
	public InetSocketAddress localAddress() {
		DhtClient n = node;
		if (n == null) {
			throw new IllegalStateException("the DHT node is not running: call start() first");
		}
		return n.localAddress();
	}

	/**
	 * Looks up the contact's record, starting the node if needed, and takes the newest valid record the lookup finds.
	 * The lookup ends once the nodes closest to the key have answered (once a record was found, slow ones included,
	 * until their request times out: they may hold a newer record than the fast ones), or when no node is left to
	 * ask, at the latest at {@code lookupTimeout}. Refuses, and reports on
	 * {@link #diagnostics()}, records with a bad signature, a DNS packet over 1000 bytes, a sequence number lower than
	 * one this instance already accepted for the key, a timestamp older than 2 hours, an undecodable packet, a name
	 * under another key, no PeerCollab TXT (a plain Pkarr record) or another version; other records of a Pkarr record
	 * are ignored.
	 *
	 * Nothing happens before subscription; each subscription looks up afresh.
	 *
	 * @return one record per endpoint of the newest valid record, source {@link EndpointSource#DHT}, time to live the
	 * smallest DNS TTL of that endpoint's own records (its SRV and its A or AAAA) capped by the record's remaining
	 * storage lifetime, emitted on a Reactor thread; completes
	 * empty if the contact's key is not Ed25519, nothing valid was found within {@code lookupTimeout}, the record is
	 * empty (signed out), or the node cannot start or is closed. Completes within {@code lookupTimeout} once the node
	 * runs (starting it takes up to 3 s more when no seed answers). Never fails.
	 * @throws NullPointerException if {@code contact} is {@code null}
	 */
	@Override
	public Flux<EndpointRecord> resolve(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		PublicKey key = contact.certificate().getPublicKey();
		if (!MutableItem.isEd25519(key)) {
			return Flux.empty();
		}
		byte[] raw = MutableItem.rawKey(key);
		// the node as it is when subscribed: a lookup obtained before close() completes empty, not on a stopped node
		return Mono.defer(this::node)
				.onErrorResume(e -> {
					LOG.debug("Cannot resolve {}: the DHT node did not start: {}", contact.name(), e.getMessage());
					return Mono.empty();
				})
				// a lookup that fails (the client closed meanwhile) ends what it found so far
				.flatMapMany(n -> resolveItems(contact.name(), raw, n.get(raw).onErrorResume(e -> Flux.empty())));
	}

	/**
	 * Verifies and picks what {@code items} yields for {@code raw}; {@link #resolve} without the lookup, for tests
	 * that feed it forged or stale items. Refusals are reported on {@link #diagnostics()} without a peer name.
	 */
	Flux<EndpointRecord> resolveItems(byte[] raw, Flux<MutableItem> items) {
		return resolveItems(null, raw, items);
	}

	/** {@link #resolveItems(byte[], Flux)} for the contact named {@code peer}, named in the refusals reported. */
	Flux<EndpointRecord> resolveItems(PeerName peer, byte[] raw, Flux<MutableItem> items) {
		String id = ZBase32.encode(raw);
		return Flux.defer(() -> {
			// the items this lookup refused: several nodes return the same one, which is reported once
			Set<MutableItem> refused = new HashSet<>();
			return items
					.concatMap(item -> Mono.justOrEmpty(check(peer, id, raw, item, refused)))
					.take(lookupTimeout)
					.reduce((a, b) -> b.seq() > a.seq() ? b : a)
					.flatMapMany(found -> {
						long highest = accepted.merge(id, found.seq(), Math::max);
						if (highest > found.seq()) {
							refuse(peer, id, found.seq(), new RecordRefusedException(RecordRefusedException.Check.STALE,
									"The record is stale: seq " + found.seq() + " is lower than " + highest
											+ ", accepted meanwhile"));
							return Flux.empty();
						}
						long leftMicros = found.seq() + PkarrCodec.MAX_AGE_MICROS - MutableItem.nowMicros();
						Duration left = Duration.ofNanos(Math.max(0, leftMicros) * 1000);
						return Flux.fromIterable(found.record().endpoints())
								.map(e -> new EndpointRecord(e.endPoint(), EndpointSource.DHT,
										e.timeToLive().compareTo(left) < 0 ? e.timeToLive() : left));
					});
		});
	}

	/** @return what {@code item} says if it passes every check, else {@code null} after reporting why not */
	private Found check(PeerName peer, String id, byte[] raw, MutableItem item, Set<MutableItem> refused) {
		try {
			return new Found(item.seq(), PkarrCodec.verify(raw, item, accepted.getOrDefault(id, -1L),
					MutableItem.nowMicros()));
		}
		catch (RecordRefusedException e) {
			if (refused.size() < MAX_REFUSALS_PER_LOOKUP && refused.add(item)) {
				refuse(peer, id, item.seq(), e);
			}
			return null;
		}
	}

	/** Reports a refused record on {@link #diagnostics()}, and at debug. */
	private void refuse(PeerName peer, String id, long seq, RecordRefusedException e) {
		LOG.debug("Refused a DHT record of {} (seq {}): {}: {}", id, seq, e.check(), e.getMessage());
		Diagnostic d = new Diagnostic(Instant.now(), RECORD_REFUSED, "Refused a DHT record of "
				+ (peer == null ? "" : peer + ", ") + "key " + id + " (seq " + seq + ") [" + e.check() + "]: "
				+ e.getMessage() + "; it was not used", peer, null, e);
		// The drain loop of Reactor's operators: the thread that finds nobody draining emits what is queued, others
		// (and a subscriber that causes a refusal from inside onNext) only queue; so emissions never overlap, and
		// nobody waits for another thread. At most 16 refusals per lookup are queued.
		pendingRefusals.offer(d);
		if (refusalsWip.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			for (Diagnostic next; (next = pendingRefusals.poll()) != null;) {
				Sinks.EmitResult r;
				try {
					r = refusals.tryEmitNext(next);
				}
				catch (RuntimeException failed) { // a subscriber that threw: the loop goes on for the others
					LOG.debug("A subscriber of the DHT refusals failed: {}", failed.toString());
					continue;
				}
				// without demand or subscriber the diagnostic is dropped, as documented
				if (r != Sinks.EmitResult.OK && r != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
					LOG.debug("Not delivered ({}): {}", r, next.message());
				}
			}
			missed = refusalsWip.addAndGet(-missed);
		}
		while (missed != 0);
	}

	/**
	 * Every record this instance refused while resolving, as it happens: one {@link Diagnostic} of kind
	 * {@link #RECORD_REFUSED} per refused record and lookup (the same record returned by several nodes is reported
	 * once per lookup, at most 16 per lookup), with the contact's name as {@link Diagnostic#peer()}, no address (the
	 * DHT node that returned it is not a peer), and a {@link RecordRefusedException} as
	 * {@link Diagnostic#cause()} whose {@link RecordRefusedException#check() check} says which check refused it: a
	 * bad signature, a stale or expired sequence number, a value too large or malformed, a packet that is not DNS,
	 * a name under another key, a Pkarr record without PeerCollab's TXT, or another version.
	 *
	 * <p>Hot, shared by every lookup of this instance, whoever asked: a subscriber sees what happens after it
	 * subscribed. Emitted on the thread that checked the record (a Reactor or DHT thread), one at a time; the stream
	 * does not buffer: a subscriber without demand misses what happens meanwhile, so it should request unbounded and
	 * hand off. Never completes; after {@link #close()} it emits nothing more. A {@code PeerCollaboration} configured
	 * with this resolver passes them on in its own {@code diagnostics()}.
	 *
	 * @return the refusals of this instance's lookups
	 */
	@Override
	public Flux<Diagnostic> diagnostics() {
		return refusals.asFlux();
	}

	/**
	 * Publishes where the identity can be reached, replacing what this instance (this device, {@link #deviceId()})
	 * published before, starting the node if needed. The record's sequence number is the current time in
	 * microseconds, raised if needed above the last one this instance published for the key and above the highest one
	 * found stored. Collects write tokens with a lookup, which also reads the stored record, then puts the signed
	 * record to those nodes.
	 *
	 * <p>Several devices of one identity: the record holds this device's endpoints, then those of the other devices
	 * in the stored record that published within {@link #RECORD_LIFETIME}, most recent device first, as many whole
	 * devices as fit under Pkarr's limit; an empty list removes this device's endpoints only. The put is a BEP 44
	 * compare-and-swap on the record read; if a node says another device stored a record meanwhile, it reads, merges
	 * and puts again after a random pause, up to {@value #MAX_MERGE_ATTEMPTS} times in all. A first record (none
	 * stored, so no compare-and-swap) is read back {@code lookupTimeout + lookupGrace} after it was stored, in the
	 * background, and this device's endpoints merged in again if another device's first record replaced it (see
	 * "Several devices" in {@code DHT-RECORD.md}).
	 *
	 * Nothing happens before subscription.
	 *
	 * @param endPoints the endpoints, each with a resolved address; empty publishes a record without endpoints
	 * (signed out)
	 * @return completes once 3 nodes (or every node that gave a token, if fewer) acknowledged the record and the
	 * others answered or {@code lookupGrace} passed, or with
	 * at least one acknowledgement once the put ended, {@code lookupGrace} passed without a further one, or
	 * {@code lookupTimeout} passed; the put continues in the
	 * background to the other nodes. Fails with {@link PeerIdentityException} if the identity is not Ed25519,
	 * {@link PayloadTooLargeException} (before anything is sent) if the record's DNS packet is not under 1000 bytes
	 * (Pkarr's limit),
	 * {@link IllegalArgumentException} (before anything is sent) if an endpoint's address is unresolved, and
	 * {@link PeerUnreachableException} if no node stored it within the timeout (each phase, lookup and put, is
	 * bounded by {@code lookupTimeout}) or the node is closed.
	 * @throws NullPointerException if {@code identity}, {@code endPoints} or one of its elements is {@code null}
	 */
	@Override
	public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
		return publish(identity, endPoints, deviceId);
	}

	/**
	 * Publishes as {@link #publish(PeerIdentity, List)}, for the device {@code deviceId} unless the builder set a
	 * device id, which wins ({@link Builder#deviceId}). The engine passes the id it keeps in its contact store, so
	 * that a device that restarts replaces its own endpoints at once.
	 *
	 * @param deviceId 1 to 10 characters of {@code [a-z0-9]}; another id fails
	 * the returned {@code Mono} with {@link IllegalArgumentException} (nothing is sent) unless the builder's wins
	 * @return as {@link #publish(PeerIdentity, List)}
	 * @throws NullPointerException if {@code identity}, {@code endPoints}, one of its elements or {@code deviceId} is
	 * {@code null}
	 */
	@Override
	public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints, String deviceId) {
		Objects.requireNonNull(identity, "identity");
		List<PeerEndPoint> copy = List.copyOf(Objects.requireNonNull(endPoints, "endPoints"));
		Objects.requireNonNull(deviceId, "deviceId");
		String device = configuredDeviceId != null ? configuredDeviceId : deviceId;
		// deferred: a bad endpoint fails the returned Mono instead of throwing here, and the node is the one running
		// when subscribed
		return Mono.defer(() -> {
			if (device.isEmpty()) {
				return Mono.error(new IllegalArgumentException("a device id is 1 to "
						+ PkarrCodec.MAX_DEVICE_ID_LENGTH + " characters of [a-z0-9], was empty"));
			}
			new PkarrCodec.Device(device, 0, List.of()); // checks it
			return publishRecord(identity, copy, device);
		});
	}

	private Mono<Void> publishRecord(PeerIdentity identity, List<PeerEndPoint> endPoints, String device) {
		if (identity.keyType() != KeyType.ED25519) {
			return Mono.error(new PeerIdentityException("Only Ed25519 identities can publish in the Mainline DHT "
					+ "(BEP 44 records are signed with Ed25519); " + identity.keyType() + " identities such as "
					+ identity.name() + " are reached through their cards and last-seen endpoints only"));
		}
		byte[] raw = MutableItem.rawKey(identity.publicKey());
		String id = ZBase32.encode(raw);
		try {
			// this device's endpoints alone must fit; those of the other devices are added while they fit
			PkarrCodec.requirePublishable(PkarrCodec.encodeDevices(raw, List.of(new PkarrCodec.Device(device,
					MutableItem.nowMicros() / 1_000_000L, endPoints)), recordTtl), endPoints.size());
		}
		catch (PayloadTooLargeException e) {
			return Mono.error(e);
		}
		return node()
				.onErrorMap(e -> !(e instanceof PeerCollabException),
						e -> new PeerUnreachableException("The DHT node did not start: " + e.getMessage(), e))
				.flatMap(n -> {
					// this publication merges what the record holds now: an earlier one's read-back is not needed
					Disposable check = firstChecks.remove(id);
					if (check != null) {
						check.dispose();
					}
					return publishMerged(n, identity, raw, id, endPoints, device, 1, MAX_MERGE_ATTEMPTS);
				});
	}

	/**
	 * One read-merge-put: collects the tokens and the newest stored record, merges this device's endpoints with the
	 * other devices' fresh ones, puts the record as a compare-and-swap on the one read, and starts over (up to
	 * {@link #MAX_MERGE_ATTEMPTS}) if a node says another device stored a record meanwhile.
	 *
	 * <p>A first publication (no record stored) has no {@code cas} to guard it: two devices that both read nothing
	 * would each put a record of their own, and the later would hide the earlier until its next publication. So a
	 * put over nothing is sent only while its read is at most {@code lookupTimeout} old (else it reads again), and
	 * the device whose endpoints it published reads the record back once every put over nothing that could have
	 * followed it was sent ({@code lookupTimeout + lookupGrace} later) and merges again if its endpoints are missing
	 * ({@link #checkFirstPublication}).
	 *
	 * @param checks how many more read-backs a first publication may schedule
	 */
	private Mono<Void> publishMerged(DhtClient n, PeerIdentity identity, byte[] raw, String id,
			List<PeerEndPoint> endPoints, String device, int attempt, int checks) {
		return Mono.defer(() -> {
			long readStart = System.nanoTime();
			return tokens(n, raw)
					.switchIfEmpty(Mono.error(() -> new PeerUnreachableException("No DHT node answered the "
							+ "lookup for " + id + " within " + lookupTimeout + ": the record was not published")))
					.flatMap(tokens -> pauseBeforePut.apply(id).thenReturn(tokens))
					.flatMap(tokens -> {
						boolean first = tokens.latest() == null;
						if (first && System.nanoTime() - readStart > lookupTimeout.toNanos()
								&& attempt < MAX_MERGE_ATTEMPTS) {
							LOG.debug("The lookup that found no DHT record of {} is older than {}: reading again "
									+ "rather than putting over what another device may have stored since", id,
									lookupTimeout);
							return publishMerged(n, identity, raw, id, endPoints, device, attempt + 1, checks);
						}
						long now = MutableItem.nowMicros();
						long seq = published.merge(id, Math.max(now, tokens.highestSeq() + 1),
								(last, next) -> Math.max(last + 1, next));
						byte[] packet = merged(raw, tokens.latest(), endPoints, now, device);
						MutableItem item;
						try {
							item = MutableItem.sign(identity.privateKey(), raw, seq, packet);
						}
						catch (GeneralSecurityException e) {
							return Mono.error(new PeerIdentityException("Cannot sign the DHT record with "
									+ identity.name() + "'s key: " + e.getMessage(), e));
						}
						int wanted = Math.min(WANTED_ACKS, tokens.holders().size());
						return put(n, tokens, item, wanted, first ? -1 : tokens.latest().seq())
								.flatMap(result -> afterPut(result, n, identity, raw, id, endPoints, device, attempt,
										checks, first));
					});
		});
	}

	/** What follows a put: merging again after a conflict, the read-back of a first publication, or the outcome. */
	private Mono<Void> afterPut(PutResult result, DhtClient n, PeerIdentity identity, byte[] raw, String id,
			List<PeerEndPoint> endPoints, String device, int attempt, int checks, boolean first) {
		if (result.conflicts() > 0 && attempt < MAX_MERGE_ATTEMPTS) {
			LOG.debug("{} DHT nodes hold a newer record of {} than the one merged: merging again (attempt {})",
					result.conflicts(), id, attempt + 1);
			// a random pause, so that two devices that conflicted do not read and put in step again
			Duration pause = Duration.ofMillis(java.util.concurrent.ThreadLocalRandom.current()
					.nextLong(lookupGrace.toMillis() * attempt + 1));
			return Mono.delay(pause)
					.then(Mono.defer(() -> publishMerged(n, identity, raw, id, endPoints, device, attempt + 1,
							checks)));
		}
		if (result.acks() > 0) {
			LOG.debug("Published the DHT record of {} ({} endpoints of this device), {} nodes acknowledged", id,
					endPoints.size(), result.acks());
			if (first && !endPoints.isEmpty() && checks > 0) {
				checkFirstPublication(n, identity, raw, id, endPoints, device, checks - 1);
			}
			return Mono.<Void>empty();
		}
		return Mono.error(new PeerUnreachableException("No DHT node stored the record of " + id + " within "
				+ lookupTimeout));
	}

	/**
	 * After a first publication: once every device that read nothing before this put landed has sent its own put
	 * (each does within {@code lookupTimeout} of its read, see {@link #publishMerged}), reads the record back and, if
	 * this device's endpoints are not all in it, merges them in again (a read-merge-put with {@code cas}). Runs in the
	 * background: the publication already completed; a later publication for the key, or {@link #close()}, cancels it
	 * (the later one merges anyway).
	 */
	private void checkFirstPublication(DhtClient n, PeerIdentity identity, byte[] raw, String id,
			List<PeerEndPoint> endPoints, String device, int checks) {
		Disposable.Swap check = Disposables.swap();
		Disposable before = firstChecks.put(id, check);
		if (before != null) {
			before.dispose();
		}
		// a random part too, so that two devices that both lost do not merge again in step
		Duration wait = lookupTimeout.plus(lookupGrace).plusMillis(java.util.concurrent.ThreadLocalRandom.current()
				.nextLong(lookupGrace.toMillis() + 1));
		check.update(Mono.delay(wait)
				.then(Mono.defer(() -> tokens(n, raw)))
				.map(tokens -> holds(raw, tokens.latest(), device, endPoints))
				.defaultIfEmpty(false)
				.flatMap(held -> {
					if (held) {
						return Mono.<Void>empty();
					}
					LOG.debug("The first DHT record of {} was replaced by another device's first record: merging "
							+ "this device's {} endpoints in again", id, endPoints.size());
					return publishMerged(n, identity, raw, id, endPoints, device, 1, checks);
				})
				.doFinally(signal -> firstChecks.remove(id, check))
				.subscribe(null, e -> LOG.debug("Could not merge this device's endpoints into the DHT record of {} "
						+ "again: {}; they are published again at the next republication", id, e.getMessage())));
	}

	/** @return whether {@code latest} is a record that holds every endpoint of {@code endPoints} for {@code device} */
	private static boolean holds(byte[] raw, @Nullable MutableItem latest, String device,
			List<PeerEndPoint> endPoints) {
		if (latest == null) {
			return false;
		}
		try {
			Set<PeerAddress> published = new HashSet<>();
			for (PkarrCodec.Device d : PkarrCodec.decode(raw, latest.valueBytes()).devices()) {
				if (d.id().equals(device)) {
					d.endPoints().forEach(e -> published.add(e.address()));
				}
			}
			return endPoints.stream().allMatch(e -> published.contains(e.address()));
		}
		catch (RecordRefusedException | IllegalArgumentException e) {
			return false;
		}
	}

	/**
	 * The record to publish: this device's endpoints (none when signing out), then the endpoints of the other devices
	 * in {@code latest} that published within {@link #RECORD_LIFETIME}, the most recent device first, each device
	 * whole while the packet stays under Pkarr's limit and within {@link PkarrCodec#MAX_ENDPOINTS}; an endpoint this
	 * device publishes is not repeated for another. A stored record that is not a valid PeerCollab record is
	 * replaced.
	 */
	byte[] merged(byte[] raw, MutableItem latest, List<PeerEndPoint> own, long nowMicros) {
		return merged(raw, latest, own, nowMicros, deviceId);
	}

	/** {@link #merged(byte[], MutableItem, List, long)} for the device {@code device}. */
	byte[] merged(byte[] raw, MutableItem latest, List<PeerEndPoint> own, long nowMicros, String device) {
		List<PkarrCodec.Device> devices = new ArrayList<>();
		if (!own.isEmpty()) {
			devices.add(new PkarrCodec.Device(device, nowMicros / 1_000_000L, own));
		}
		byte[] packet = PkarrCodec.encodeDevices(raw, devices, recordTtl);
		if (latest == null) {
			return packet;
		}
		PkarrCodec.Decoded found;
		try {
			found = PkarrCodec.fresh(PkarrCodec.decode(raw, latest.valueBytes()), latest.seq(), nowMicros);
		}
		catch (RecordRefusedException | IllegalArgumentException e) {
			LOG.debug("Replacing the stored DHT record of {}, which is not a valid PeerCollab record: {}",
					ZBase32.encode(raw), e.getMessage());
			return packet;
		}
		List<PkarrCodec.Device> others = new ArrayList<>(found.devices());
		others.removeIf(d -> d.id().equals(device));
		others.sort(java.util.Comparator.comparingLong(PkarrCodec.Device::publishedSeconds).reversed());
		Set<PeerEndPoint> included = new HashSet<>(own);
		for (PkarrCodec.Device d : others) {
			List<PeerEndPoint> rest = d.endPoints().stream().filter(e -> !included.contains(e)).toList();
			if (rest.isEmpty() || included.size() + rest.size() > PkarrCodec.MAX_ENDPOINTS) {
				continue;
			}
			List<PkarrCodec.Device> candidate = new ArrayList<>(devices);
			candidate.add(new PkarrCodec.Device(d.id(), d.publishedSeconds(), rest));
			byte[] bigger = PkarrCodec.encodeDevices(raw, candidate, recordTtl);
			if (bigger.length > PkarrCodec.MAX_PACKET_LENGTH) {
				LOG.debug("The DHT record of {} has no room for the {} endpoints of device '{}': left out",
						ZBase32.encode(raw), rest.size(), d.id());
				continue;
			}
			devices = candidate;
			packet = bigger;
			included.addAll(rest);
		}
		return packet;
	}

	/**
	 * The write tokens of the nodes closest to the key; empty if no node gave one (or the client closed meanwhile).
	 * Every reply's token counts, also one that came with a stored value and no {@code nodes}. The lookup ends when
	 * the closest nodes have answered, or {@code lookupGrace} after the last token without a new one.
	 */
	private Mono<DhtClient.Tokens> tokens(DhtClient n, byte[] raw) {
		return n.tokens(raw, lookupGrace)
				.filter(tokens -> !tokens.holders().isEmpty())
				.onErrorResume(IllegalStateException.class, e -> Mono.empty());
	}

	/**
	 * Puts the item to every node that gave a token, at once, and counts acknowledgements: done at {@code wanted},
	 * {@code lookupGrace} after the last one, once every node answered or timed out, or at {@code lookupTimeout}.
	 * The put goes on in the background to the nodes that have not answered. A node's refusal (for instance error
	 * 302, a newer record stored there) is logged at debug.
	 */
	private Mono<PutResult> put(DhtClient n, DhtClient.Tokens tokens, MutableItem item, int wanted, long cas) {
		AtomicInteger conflicts = new AtomicInteger();
		Flux<DhtClient.PutOutcome> outcomes = n.put(tokens, item, cas)
				.doOnNext(o -> {
					if (!o.stored()) {
						LOG.debug("DHT node {} did not store the record of {}: {}", o.node(),
								ZBase32.encode(item.publicKey()), o.error().getMessage());
						if (o.error() instanceof DhtClient.KrpcErrorException refused
								&& (refused.code() == 301 || refused.code() == 302)) {
							conflicts.incrementAndGet();
						}
					}
				})
				.onErrorResume(e -> Flux.empty())
				.cache();
		outcomes.subscribe(); // the put goes on when the count below is done
		return outcomes.filter(DhtClient.PutOutcome::stored)
				.take(wanted)
				.timeout(Mono.delay(lookupTimeout), ack -> Mono.delay(lookupGrace))
				.onErrorResume(java.util.concurrent.TimeoutException.class, e -> Mono.empty())
				.count()
				// a node that refused because another device stored a record meanwhile answers about as fast as
				// those that acknowledged: wait for the others' answers up to the grace, to see such a conflict
				.flatMap(acks -> outcomes.then()
						.timeout(lookupGrace, Mono.empty())
						.then(Mono.fromSupplier(() -> new PutResult(acks.intValue(), conflicts.get()))));
	}

	/**
	 * @param acks how many nodes acknowledged the put before it was counted done
	 * @param conflicts how many refused it meanwhile because they hold another record (errors 301 and 302)
	 */
	private record PutResult(int acks, int conflicts) {
	}

	/** @return {@link #RECORD_LIFETIME}, two hours */
	@Override
	public Duration recordLifetime() {
		return RECORD_LIFETIME;
	}

	private Mono<DhtClient> node() {
		synchronized (lock) {
			if (closed) {
				return Mono.error(new IllegalStateException("this MainlineDht is closed"));
			}
			DhtClient n = node;
			if (n != null) {
				return Mono.just(n);
			}
			if (starting == null) {
				InetSocketAddress bind = new InetSocketAddress(bindAddress == null ? wildcard() : bindAddress, port);
				starting = DhtClient.bind(new DhtClient.Options(bind, bootstrapNodes, REQUEST_TIMEOUT,
								lookupTimeout, InetAddress::getAllByName))
						.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerUnreachableException(
								"Cannot start the DHT node on " + IpLiterals.toString(bind) + ": " + e.getMessage(),
								e))
						.flatMap(this::running)
						.flatMap(started -> started.bootstrap()
								.timeout(SEED_WAIT, Mono.empty())
								.doOnSuccess(size -> LOG.debug("DHT node on {} started, {} nodes in its table",
										started.localAddress(), started.routingTableSize()))
								.thenReturn(started))
						.doOnError(e -> {
							synchronized (lock) {
								starting = null; // let a later call try again
							}
						})
						.cache();
			}
			return starting;
		}
	}

	private static InetAddress wildcard() {
		try {
			return InetAddress.getByAddress(new byte[4]);
		}
		catch (java.net.UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Makes a bound node this instance's node, unless it was closed meanwhile. */
	private Mono<DhtClient> running(DhtClient n) {
		synchronized (lock) {
			if (closed) {
				return n.close().then(Mono.error(new IllegalStateException("this MainlineDht was closed while it "
						+ "started")));
			}
			node = n;
		}
		return Mono.just(n);
	}

	private record Found(long seq, PkarrCodec.Decoded record) {
	}

	/**
	 * Configures a {@link MainlineDht}. Immutable, like every configuration in PeerCollab: each method returns a new
	 * builder with that setting and leaves this one unchanged; {@link #build()} may be called any number of times, each
	 * time for a new node.
	 */
	public static final class Builder {

		private static final Builder DEFAULTS = new Builder(null, 0, PUBLIC_ROUTERS, Duration.ofSeconds(15),
				Duration.ofMillis(500), Duration.ofHours(1), null);

		private final InetAddress bindAddress;

		private final int port;

		private final List<InetSocketAddress> bootstrapNodes;

		private final Duration lookupTimeout;

		private final Duration lookupGrace;

		private final Duration recordTtl;

		private final String deviceId;

		private Builder(InetAddress bindAddress, int port, List<InetSocketAddress> bootstrapNodes,
				Duration lookupTimeout, Duration lookupGrace, Duration recordTtl, String deviceId) {
			this.deviceId = deviceId;
			this.bindAddress = bindAddress;
			this.port = port;
			this.bootstrapNodes = bootstrapNodes;
			this.lookupTimeout = lookupTimeout;
			this.lookupGrace = lookupGrace;
			this.recordTtl = recordTtl;
		}

		/**
		 * @param value the address to bind the UDP socket to; default {@code null}: the IPv4 wildcard address. An IPv6
		 * address runs an IPv6 DHT node (BEP 32), anything else IPv4.
		 */
		public Builder bindAddress(@Nullable InetAddress value) {
			return new Builder(value, port, bootstrapNodes, lookupTimeout, lookupGrace, recordTtl, deviceId);
		}

		/**
		 * @param value the UDP port; default 0: a free port, which {@link MainlineDht#localAddress()} reports
		 * @throws IllegalArgumentException if not within 0..65535
		 */
		public Builder port(int value) {
			if (value < 0 || value > 65535) {
				throw new IllegalArgumentException("port must be between 0 and 65535, was " + value);
			}
			return new Builder(bindAddress, value, bootstrapNodes, lookupTimeout, lookupGrace, recordTtl, deviceId);
		}

		/**
		 * @param value the nodes to seed the routing table with; default {@link #PUBLIC_ROUTERS}. Those given as
		 * unresolved host names are resolved in DNS when the node starts; those given as addresses cause no DNS
		 * lookup at all, and the node contacts no one else but the nodes they name.
		 */
		public Builder bootstrapNodes(Collection<InetSocketAddress> value) {
			Objects.requireNonNull(value, "bootstrapNodes");
			return new Builder(bindAddress, port, List.copyOf(new ArrayList<>(value)), lookupTimeout, lookupGrace,
					recordTtl, deviceId);
		}

		/**
		 * @param value how long a resolve waits for a first valid record (a lookup ends earlier once the closest
		 * nodes have answered), and how long each phase of a publish (the lookup for tokens, the put) may take;
		 * longer than 1 s (one request waits up to 1 s for its reply); default 15 s
		 * @throws IllegalArgumentException if it is 1 s or shorter
		 */
		public Builder lookupTimeout(Duration value) {
			positive(value, "lookupTimeout");
			if (value.compareTo(HEDGE) <= 0) {
				throw new IllegalArgumentException("lookupTimeout must be longer than " + HEDGE + " (how long one "
						+ "request waits for its reply), was " + value);
			}
			return new Builder(bindAddress, port, bootstrapNodes, value, lookupGrace, recordTtl, deviceId);
		}

		/**
		 * @param value how long a publish's token lookup may go without a new token before it puts, and how long its
		 * put waits for a further acknowledgement after the last; default 500 ms. (A resolve does not use it: it waits
		 * for the lookup to end.)
		 */
		public Builder lookupGrace(Duration value) {
			return new Builder(bindAddress, port, bootstrapNodes, lookupTimeout, positive(value, "lookupGrace"),
					recordTtl, deviceId);
		}

		/**
		 * @param value the DNS TTL written into published records, whole seconds; default 1 hour, the republish
		 * interval, so that a cached copy is not trusted much beyond the next republish
		 */
		public Builder recordTtl(Duration value) {
			Duration v = positive(value, "recordTtl");
			if (v.toSeconds() < 1 || v.toSeconds() > Integer.MAX_VALUE) {
				throw new IllegalArgumentException("recordTtl must be between 1 s and 2^31-1 s, was " + v);
			}
			return new Builder(bindAddress, port, bootstrapNodes, lookupTimeout, lookupGrace, v, deviceId);
		}

		/**
		 * @param value this device's id in the records it publishes: 1 to 10 characters of {@code [a-z0-9]}; default
		 * {@code null}: the id the endpoint passes (generated once and kept in its contact store), or, for a
		 * publication without one ({@link MainlineDht#publish(PeerIdentity, List)}), a random id of 8 characters for
		 * each instance. Each device of one identity (the identity file copied to it) must have its own: a
		 * publication replaces the endpoints of its own device id and keeps those of the others (see "Several
		 * devices" in {@code DHT-RECORD.md}). A stable id lets a device that restarts replace its endpoints at once
		 * instead of leaving them until they expire (two hours); set one here only to choose it, it wins over the
		 * endpoint's
		 * @throws IllegalArgumentException if it is not such an id
		 */
		public Builder deviceId(@Nullable String value) {
			if (value != null) {
				new PkarrCodec.Device(value, 0, List.of()); // checks it
				if (value.isEmpty()) {
					throw new IllegalArgumentException("a device id is 1 to " + PkarrCodec.MAX_DEVICE_ID_LENGTH
							+ " characters of [a-z0-9], was empty");
				}
			}
			return new Builder(bindAddress, port, bootstrapNodes, lookupTimeout, lookupGrace, recordTtl, value);
		}

		/** @return a new, not yet started {@link MainlineDht} */
		public MainlineDht build() {
			return new MainlineDht(this);
		}

		private static Duration positive(Duration value, String name) {
			Objects.requireNonNull(value, name);
			if (value.isNegative() || value.isZero()) {
				throw new IllegalArgumentException(name + " must be positive, was " + value);
			}
			return value;
		}
	}
}
