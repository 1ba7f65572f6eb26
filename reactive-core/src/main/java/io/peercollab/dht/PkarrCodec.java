// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.peercollab.MessageText;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerEndPoint;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.dht.RecordRefusedException.Check;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Encodes and decodes the DNS packet PeerCollab publishes as the value of its BEP 44 record, in the layout of Pkarr's
 * signed packets (see {@code reactive-core/DHT-RECORD.md}). Written: every name absolute, ending in the z-base-32 key
 * as its top-level label; one SRV {@code _peercollab._tcp.<key>.} per endpoint pointing at {@code e<i>.<key>.}, which
 * has an A or AAAA record, and one SRV {@code _peercollab-relay._tcp.<key>.} per relayed endpoint pointing at
 * {@code r<i>.<key>.}; with {@link #encodeDevices}, one TXT at each such target holding its device tag
 * {@code "d=<id> t=<seconds>"}; one TXT {@code _peercollab.<key>.} holding the protocol version {@code "v=1"}. Read: names
 * absolute or relative to the key, as Pkarr's libraries write them (a name that does not end in a key is read below
 * the key), and any other records of a Pkarr record ignored.
 */
final class PkarrCodec {

	/** The SRV name (below the key) of the endpoints at TURN relays, each a {@link RelayedAddress}. */
	static final String RELAY_SERVICE = "_peercollab-relay._tcp";

	/** The protocol version written into, and required in, every record. */
	public static final String VERSION = "v=1";

	/**
	 * The largest DNS packet a publisher writes, in bytes: Pkarr's limit, a packet under 1000 bytes (npm
	 * {@code pkarr} and {@code bittorrent-dht} refuse a value of 1000 bytes or more).
	 */
	public static final int MAX_PACKET_LENGTH = 999;

	/** The largest DNS packet a resolver reads, in bytes: the Rust {@code pkarr} crate signs packets of 1000. */
	public static final int MAX_READ_PACKET_LENGTH = 1000;

	/** The most endpoints a resolver takes from one record; the rest are ignored. */
	public static final int MAX_ENDPOINTS = 32;

	private static final Pattern Z_BASE_32_KEY = Pattern.compile("[ybndrfg8ejkmcpqxot1uwisza345h769]{52}");

	private PkarrCodec() {
	}

	/**
	 * One endpoint of a record.
	 *
	 * @param endPoint the address
	 * @param timeToLive the smallest TTL of the endpoint's own records: its SRV and its A or AAAA
	 */
	public record Endpoint(PeerEndPoint endPoint, Duration timeToLive) {
	}

	/**
	 * What a record says.
	 *
	 * @param endpoints the endpoints, in the order of their SRV records' priority, then their order in the packet;
	 * empty for a signed-out record
	 * @param devices the same endpoints grouped by their device tags, in the order each device first appears; the
	 * endpoints without a valid tag form the device without id, whose time is -1 from {@link #decode} and the item's
	 * from {@link #verify}
	 */
	public record Decoded(List<Endpoint> endpoints, List<Device> devices) {

		/**
		 * A record read without regard to devices.
		 *
		 * @param endpoints the endpoints
		 */
		public Decoded(List<Endpoint> endpoints) {
			this(endpoints, List.of());
		}

		/** @return the endpoints' addresses, in order */
		public List<PeerEndPoint> endPoints() {
			return endpoints.stream().map(Endpoint::endPoint).toList();
		}
	}

	/**
	 * The endpoints one device of the identity published, as its device tags say (see "Several devices" in
	 * {@code DHT-RECORD.md}).
	 *
	 * @param id the device's id, {@code [a-z0-9]}, at most {@link #MAX_DEVICE_ID_LENGTH} characters; empty for
	 * endpoints whose tag has no id, or that have no tag (written by a publisher that does not tag)
	 * @param publishedSeconds when that device last published them, seconds since the epoch (untagged endpoints: the
	 * item's time)
	 * @param endPoints its endpoints, in the record's order
	 */
	public record Device(String id, long publishedSeconds, List<PeerEndPoint> endPoints) {

		/** @throws IllegalArgumentException if the id is not a device id */
		public Device {
			if (!id.isEmpty() && !DEVICE_ID.matcher(id).matches()) {
				throw new IllegalArgumentException("a device id is 1 to " + MAX_DEVICE_ID_LENGTH + " characters of "
						+ "[a-z0-9], was '" + MessageText.quote(id) + "'");
			}
			endPoints = List.copyOf(endPoints);
		}
	}

	/** The longest device id in a device tag. */
	public static final int MAX_DEVICE_ID_LENGTH = 10;

	private static final Pattern DEVICE_ID = Pattern.compile("[a-z0-9]{1," + MAX_DEVICE_ID_LENGTH + "}");

	private static final Pattern DEVICE_TAG = Pattern.compile("(?:d=([a-z0-9]{1," + MAX_DEVICE_ID_LENGTH
			+ "}) )?t=([0-9]{1,12})");

	/**
	 * @param publicKey the raw 32-byte Ed25519 key whose z-base-32 form is the origin
	 * @param endPoints the endpoints, each with a resolved address
	 * @param ttl the TTL of every record, whole seconds
	 * @return the DNS wire packet, without device tags
	 * @throws IllegalArgumentException if an endpoint's address is unresolved
	 */
	public static byte[] encode(byte[] publicKey, List<PeerEndPoint> endPoints, Duration ttl) {
		return encode(publicKey, List.of(new Device("", 0, endPoints)), ttl, false);
	}

	/**
	 * Encodes the endpoints of several devices of one identity, each endpoint with a device tag: a TXT record at its
	 * SRV target, {@code "d=<id> t=<seconds>"} ({@code "t=<seconds>"} for a device without id).
	 *
	 * @param publicKey the raw 32-byte Ed25519 key whose z-base-32 form is the origin
	 * @param devices the devices, their endpoints each with a resolved address, in the order they are written
	 * @param ttl the TTL of every record, whole seconds
	 * @return the DNS wire packet
	 * @throws IllegalArgumentException if an endpoint's address is unresolved
	 */
	public static byte[] encodeDevices(byte[] publicKey, List<Device> devices, Duration ttl) {
		return encode(publicKey, devices, ttl, true);
	}

	private static byte[] encode(byte[] publicKey, List<Device> devices, Duration ttl, boolean tagged) {
		Name origin = origin(publicKey);
		long seconds = ttl.toSeconds();
		Message message = new Message(0);
		message.getHeader().setFlag(Flags.QR);
		message.getHeader().setFlag(Flags.AA);
		Name srvName = name("_peercollab._tcp", origin);
		Name relayName = name(RELAY_SERVICE, origin);
		List<PeerEndPoint> endPoints = new ArrayList<>();
		List<String> tags = new ArrayList<>();
		for (Device device : devices) {
			String tag = (device.id().isEmpty() ? "" : "d=" + device.id() + " ") + "t=" + device.publishedSeconds();
			for (PeerEndPoint e : device.endPoints()) {
				endPoints.add(e);
				tags.add(tag);
			}
		}
		for (int i = 0; i < endPoints.size(); i++) {
			PeerEndPoint endPoint = endPoints.get(i);
			boolean relayed = endPoint.address() instanceof RelayedAddress;
			InetSocketAddress address = relayed ? ((RelayedAddress) endPoint.address()).relay().socketAddress()
					: endPoint.tcpAddress();
			InetAddress ip = address.getAddress();
			if (ip == null) {
				throw new IllegalArgumentException("endPoints[" + i + "] has an unresolved address: " + address);
			}
			Name target = name((relayed ? "r" : "e") + i, origin);
			message.addRecord(new SRVRecord(relayed ? relayName : srvName, DClass.IN, seconds, 0, 0, address.getPort(),
					target), Section.ANSWER);
			message.addRecord(ip instanceof Inet6Address ? new AAAARecord(target, DClass.IN, seconds, ip)
					: new ARecord(target, DClass.IN, seconds, ip), Section.ANSWER);
			if (tagged) {
				message.addRecord(new TXTRecord(target, DClass.IN, seconds, tags.get(i)), Section.ANSWER);
			}
		}
		message.addRecord(new TXTRecord(name("_peercollab", origin), DClass.IN, seconds, VERSION), Section.ANSWER);
		return message.toWire();
	}

	/**
	 * Checks that a packet this endpoint wrote may be published: Pkarr's limit is on the DNS packet, under 1000
	 * bytes, whatever its bencoded form (5 bytes more) and whatever BEP 44 storing nodes accept.
	 *
	 * @param packet the DNS packet, as {@link #encode} wrote it
	 * @param endPoints how many endpoints it holds, for the message
	 * @return {@code packet}
	 * @throws PayloadTooLargeException if it is over {@link #MAX_PACKET_LENGTH}; the message names the packet's size,
	 * its bencoded size and the limit
	 */
	public static byte[] requirePublishable(byte[] packet, int endPoints) {
		if (packet.length > MAX_PACKET_LENGTH) {
			throw new PayloadTooLargeException("The DHT record for " + endPoints + " endpoints is a " + packet.length
					+ "-byte DNS packet (" + MutableItem.bencodeBytes(packet).length + " bytes bencoded), over Pkarr's "
					+ "limit of " + MAX_PACKET_LENGTH + " bytes (a DNS packet under 1000 bytes): publish fewer "
					+ "endpoints");
		}
		return packet;
	}

	/**
	 * @param publicKey the raw 32-byte key the record was found under
	 * @param packet the DNS wire packet
	 * @return the endpoints it names, each with the smallest TTL of its own records
	 * @throws RecordRefusedException if the packet is over {@link #MAX_READ_PACKET_LENGTH} or undecodable, has a name
	 * under another key, lacks PeerCollab's TXT or has another version in it; the message says which
	 */
	public static Decoded decode(byte[] publicKey, byte[] packet) {
		if (packet.length > MAX_READ_PACKET_LENGTH) {
			throw new RecordRefusedException(Check.TOO_LARGE, "The record's DNS packet is " + packet.length
					+ " bytes, over Pkarr's limit of " + MAX_READ_PACKET_LENGTH);
		}
		Name origin = origin(publicKey);
		List<Record> records;
		try {
			records = new Message(packet).getSection(Section.ANSWER);
		}
		catch (IOException | RuntimeException e) {
			throw new RecordRefusedException(Check.MALFORMED_PACKET, "The record is not a DNS packet: "
					+ e.getMessage(), e);
		}
		Name versionName = name("_peercollab", origin);
		Name srvName = name("_peercollab._tcp", origin);
		Name relayName = name(RELAY_SERVICE, origin);
		List<String> versions = new ArrayList<>();
		List<SRVRecord> services = new ArrayList<>();
		List<SRVRecord> relays = new ArrayList<>();
		Map<Name, List<Record>> addresses = new HashMap<>();
		Map<Name, String> tags = new HashMap<>();
		for (Record r : records) {
			Name owner = absolute(r.getName(), origin);
			if (r instanceof TXTRecord txt && owner.equals(versionName)) {
				versions.add(String.join("", txt.getStrings()));
			}
			else if (r instanceof SRVRecord srv && owner.equals(srvName)) {
				services.add(srv);
			}
			else if (r instanceof SRVRecord srv && owner.equals(relayName)) {
				relays.add(srv);
			}
			else if (r.getType() == Type.A || r.getType() == Type.AAAA) {
				addresses.computeIfAbsent(owner, n -> new ArrayList<>()).add(r);
			}
			else if (r instanceof TXTRecord txt) {
				tags.putIfAbsent(owner, String.join("", txt.getStrings())); // a device tag, if its target's
			}
			// anything else is for someone else: ignore it
		}
		if (versions.isEmpty()) {
			throw new RecordRefusedException(Check.NO_PEERCOLLAB_RECORD, "No PeerCollab record here: a Pkarr record"
					+ " of " + records.size() + " records without the TXT " + versionName);
		}
		if (!versions.contains(VERSION)) {
			throw new RecordRefusedException(Check.UNKNOWN_VERSION, "The record has version "
					+ versions.stream().map(v -> "'" + MessageText.quote(v) + "'").toList() + ", this endpoint reads '"
					+ VERSION + "' only");
		}
		services.sort(Comparator.comparingInt(SRVRecord::getPriority)); // stable: then the packet's order
		relays.sort(Comparator.comparingInt(SRVRecord::getPriority));
		int direct = services.size();
		services.addAll(relays); // the direct endpoints first: a relay is the last resort
		Map<PeerEndPoint, Endpoint> endPoints = new LinkedHashMap<>();
		// the device tag of each endpoint: "" and -1 for an untagged one
		Map<PeerEndPoint, String> deviceOf = new HashMap<>();
		Map<String, Long> publishedOf = new HashMap<>();
		for (int k = 0; k < services.size(); k++) {
			SRVRecord srv = services.get(k);
			boolean relayed = k >= direct;
			// RFC 2782: a target of "." means the service is not available there
			if (srv.getPort() == 0 || srv.getTarget().equals(Name.root)) {
				continue;
			}
			// an SRV without an address of ours cannot be used; the rest can
			for (Record a : addresses.getOrDefault(absolute(srv.getTarget(), origin), List.of())) {
				if (endPoints.size() == MAX_ENDPOINTS) {
					break;
				}
				InetAddress named = a instanceof ARecord ar ? ar.getAddress() : ((AAAARecord) a).getAddress();
				InetAddress ip;
				try {
					ip = InetAddress.getByAddress(named.getAddress()); // dnsjava names it after the record: drop that
				}
				catch (java.net.UnknownHostException e) {
					throw new IllegalStateException(e);
				}
				InetSocketAddress socket = new InetSocketAddress(ip, srv.getPort());
				PeerEndPoint endPoint = relayed ? PeerEndPoint.of(new RelayedAddress(TcpAddress.of(socket)))
						: PeerEndPoint.of(socket);
				if (endPoints.putIfAbsent(endPoint,
						new Endpoint(endPoint, Duration.ofSeconds(Math.min(srv.getTTL(), a.getTTL())))) == null) {
					String tag = tags.get(absolute(srv.getTarget(), origin));
					java.util.regex.Matcher m = tag == null ? null : DEVICE_TAG.matcher(tag);
					String device = m != null && m.matches() && m.group(1) != null ? m.group(1) : "";
					long published = m != null && m.matches() ? Long.parseLong(m.group(2)) : -1;
					deviceOf.put(endPoint, device);
					// one time per device: the newest its tags give
					publishedOf.merge(device, published, Math::max);
				}
			}
		}
		Map<String, List<PeerEndPoint>> byDevice = new LinkedHashMap<>();
		for (PeerEndPoint e : endPoints.keySet()) {
			byDevice.computeIfAbsent(deviceOf.get(e), d -> new ArrayList<>()).add(e);
		}
		List<Device> devices = new ArrayList<>();
		byDevice.forEach((id, list) -> devices.add(new Device(id, publishedOf.get(id), list)));
		return new Decoded(List.copyOf(endPoints.values()), List.copyOf(devices));
	}

	/**
	 * A name of the packet as an absolute name below {@code origin}, read as Pkarr's {@code normalizeName} does: a
	 * name ending in the key is kept; the root and a name ending in {@code @} are the origin; any other name is
	 * relative to the origin (Pkarr's libraries write record names absolute but leave data such as an SRV target as
	 * the user gave it, {@code e0} arriving as {@code e0.}).
	 *
	 * @throws RecordRefusedException if the name ends in another Pkarr key, or is too long below the origin
	 */
	static Name absolute(Name name, Name origin) {
		if (name.subdomain(origin)) {
			return name;
		}
		int labels = name.labels();
		if (labels <= 1) {
			return origin;
		}
		byte[] label = name.getLabel(labels - 2); // its length, then its bytes
		if (label.length == 2 && label[1] == '@') {
			return origin;
		}
		String last = name.getLabelString(labels - 2).toLowerCase(Locale.ROOT);
		if (Z_BASE_32_KEY.matcher(last).matches()) {
			throw new RecordRefusedException(Check.WRONG_ORIGIN, "The record holds a name under another key than "
					+ origin + ": " + name);
		}
		try {
			return Name.concatenate(name.relativize(Name.root), origin);
		}
		catch (NameTooLongException e) {
			throw new RecordRefusedException(Check.MALFORMED_PACKET, "The record holds a name too long to put below "
					+ origin + ": " + name, e);
		}
	}

	/** How long BEP 44 nodes keep an item, and how old a record a resolver still takes. */
	public static final Duration MAX_AGE = Duration.ofHours(2);

	/** {@link #MAX_AGE} in microseconds, the unit of a record's sequence number. */
	public static final long MAX_AGE_MICROS = MAX_AGE.toNanos() / 1000;

	/**
	 * Checks an item found under {@code publicKey} the way every resolver must (see {@code DHT-RECORD.md}), then
	 * decodes it.
	 *
	 * @param publicKey the raw key that was looked up
	 * @param item the item a node returned
	 * @param highestAccepted the highest sequence number already accepted for this key, or -1
	 * @param nowMicros the current time in microseconds since the epoch
	 * @return what the record says
	 * @throws RecordRefusedException if the item must be refused; its {@link RecordRefusedException#check() check}
	 * says which check refused it, its message what was seen
	 */
	public static Decoded verify(byte[] publicKey, MutableItem item, long highestAccepted, long nowMicros) {
		if (!Arrays.equals(publicKey, item.publicKey())) {
			throw new RecordRefusedException(Check.WRONG_KEY, "The item is stored under another key: "
					+ ZBase32.encode(item.publicKey()));
		}
		// "1000:" and 1000 bytes: checked before the signature, so that nothing larger costs a verification
		int maxValue = MutableItem.bencodeBytes(new byte[MAX_READ_PACKET_LENGTH]).length;
		if (item.value().length > maxValue) {
			throw new RecordRefusedException(Check.TOO_LARGE, "The value is " + item.value().length + " bytes "
					+ "bencoded, over Pkarr's limit of a " + MAX_READ_PACKET_LENGTH + "-byte DNS packet (" + maxValue
					+ " bytes bencoded)");
		}
		if (!item.verify()) {
			throw new RecordRefusedException(Check.BAD_SIGNATURE, "The signature does not verify with the key (seq "
					+ item.seq() + ")");
		}
		if (item.seq() < highestAccepted) {
			throw new RecordRefusedException(Check.STALE, "The record is stale: seq " + item.seq()
					+ " is lower than the already accepted " + highestAccepted);
		}
		if (item.seq() < nowMicros - MAX_AGE_MICROS) {
			throw new RecordRefusedException(Check.EXPIRED, "The record is older than 2 hours: seq " + item.seq()
					+ " µs, now " + nowMicros + " µs");
		}
		byte[] packet;
		try {
			packet = item.valueBytes();
		}
		catch (IllegalArgumentException e) {
			throw new RecordRefusedException(Check.MALFORMED_VALUE, "The value is undecodable: " + e.getMessage(), e);
		}
		return fresh(decode(publicKey, packet), item.seq(), nowMicros);
	}

	/**
	 * A record's endpoints without those of devices that last published more than {@link #MAX_AGE} ago, each
	 * endpoint's TTL capped by its device's remaining time; untagged endpoints take the item's time.
	 */
	static Decoded fresh(Decoded decoded, long seqMicros, long nowMicros) {
		long nowSeconds = Math.floorDiv(nowMicros, 1_000_000L);
		Map<PeerEndPoint, Long> leftOf = new HashMap<>();
		List<Device> devices = new ArrayList<>();
		for (Device d : decoded.devices()) {
			long published = d.publishedSeconds() < 0 ? Math.floorDiv(seqMicros, 1_000_000L) : d.publishedSeconds();
			long left = published + MAX_AGE.toSeconds() - nowSeconds;
			if (left <= 0) {
				continue;
			}
			devices.add(new Device(d.id(), published, d.endPoints()));
			for (PeerEndPoint e : d.endPoints()) {
				leftOf.put(e, left);
			}
		}
		if (decoded.devices().isEmpty()) {
			return decoded;
		}
		List<Endpoint> endpoints = new ArrayList<>();
		for (Endpoint e : decoded.endpoints()) {
			Long left = leftOf.get(e.endPoint());
			if (left != null) {
				endpoints.add(new Endpoint(e.endPoint(), Duration.ofSeconds(Math.min(e.timeToLive().toSeconds(), left))));
			}
		}
		return new Decoded(List.copyOf(endpoints), List.copyOf(devices));
	}

	/** @return {@code <z-base-32 key>.} */
	public static Name origin(byte[] publicKey) {
		try {
			return Name.fromString(ZBase32.encode(publicKey) + ".");
		}
		catch (TextParseException e) {
			throw new IllegalStateException(e);
		}
	}

	private static Name name(String relative, Name origin) {
		try {
			return Name.fromString(relative, origin);
		}
		catch (TextParseException e) {
			throw new IllegalStateException(e);
		}
	}
}
