package io.peercollab.dht;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.peercollab.InvalidRequestException;
import io.peercollab.PeerEndPoint;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Encodes and decodes the DNS packet PeerCollab publishes as the value of its BEP 44 record, in the layout of Pkarr's
 * signed packets (see {@code reactive-core/DHT-RECORD.md}): every name ends in the z-base-32 key as its top-level
 * label; one SRV {@code _peercollab._tcp.<key>.} per endpoint pointing at {@code e<i>.<key>.}, which has an A or AAAA
 * record; one TXT {@code _peercollab.<key>.} holding the protocol version {@code "v=1"}.
 */
final class PkarrCodec {

	/** The protocol version written into, and required in, every record. */
	public static final String VERSION = "v=1";

	private PkarrCodec() {
	}

	/**
	 * What a record says.
	 *
	 * @param endPoints the endpoints, in the order of their SRV records' priority, then their order in the packet;
	 * empty for a signed-out record
	 * @param timeToLive the smallest TTL among the records used
	 */
	public record Decoded(List<PeerEndPoint> endPoints, Duration timeToLive) {
	}

	/**
	 * @param publicKey the raw 32-byte Ed25519 key whose z-base-32 form is the origin
	 * @param endPoints the endpoints, each with a resolved address
	 * @param ttl the TTL of every record, whole seconds
	 * @return the DNS wire packet
	 * @throws IllegalArgumentException if an endpoint's address is unresolved
	 */
	public static byte[] encode(byte[] publicKey, List<PeerEndPoint> endPoints, Duration ttl) {
		Name origin = origin(publicKey);
		long seconds = ttl.toSeconds();
		Message message = new Message(0);
		message.getHeader().setFlag(Flags.QR);
		message.getHeader().setFlag(Flags.AA);
		Name srvName = name("_peercollab._tcp", origin);
		for (int i = 0; i < endPoints.size(); i++) {
			InetSocketAddress address = endPoints.get(i).tcpAddress();
			InetAddress ip = address.getAddress();
			if (ip == null) {
				throw new IllegalArgumentException("endPoints[" + i + "] has an unresolved address: " + address);
			}
			Name target = name("e" + i, origin);
			message.addRecord(new SRVRecord(srvName, DClass.IN, seconds, 0, 0, address.getPort(), target),
					Section.ANSWER);
			message.addRecord(ip instanceof Inet6Address ? new AAAARecord(target, DClass.IN, seconds, ip)
					: new ARecord(target, DClass.IN, seconds, ip), Section.ANSWER);
		}
		message.addRecord(new TXTRecord(name("_peercollab", origin), DClass.IN, seconds, VERSION), Section.ANSWER);
		return message.toWire();
	}

	/**
	 * @param publicKey the raw 32-byte key the record was found under
	 * @param packet the DNS wire packet
	 * @return the endpoints it names
	 * @throws InvalidRequestException if the packet is undecodable, has a record outside the key's origin, or lacks
	 * the version or has another one; the message says which
	 */
	public static Decoded decode(byte[] publicKey, byte[] packet) {
		Name origin = origin(publicKey);
		List<Record> records;
		try {
			records = new Message(packet).getSection(Section.ANSWER);
		}
		catch (IOException | RuntimeException e) {
			throw new InvalidRequestException("The record is not a DNS packet: " + e.getMessage(), e);
		}
		Name versionName = name("_peercollab", origin);
		Name srvName = name("_peercollab._tcp", origin);
		String version = null;
		long ttl = Long.MAX_VALUE;
		List<SRVRecord> services = new ArrayList<>();
		Map<Name, Record> addresses = new HashMap<>();
		for (Record r : records) {
			if (!r.getName().subdomain(origin)) {
				throw new InvalidRequestException("The record holds a name outside its key's origin " + origin + ": "
						+ r.getName());
			}
			if (r instanceof TXTRecord txt && r.getName().equals(versionName)) {
				version = String.join("", txt.getStrings());
				ttl = Math.min(ttl, r.getTTL());
			}
			else if (r instanceof SRVRecord srv && r.getName().equals(srvName)) {
				services.add(srv);
			}
			else if (r.getType() == Type.A || r.getType() == Type.AAAA) {
				addresses.putIfAbsent(r.getName(), r);
			}
			// anything else is for someone else: ignore it
		}
		if (version == null) {
			throw new InvalidRequestException("The record has no version (TXT " + versionName + ")");
		}
		if (!VERSION.equals(version)) {
			throw new InvalidRequestException("The record has version '" + version + "', this endpoint reads '"
					+ VERSION + "' only");
		}
		services.sort(Comparator.comparingInt(SRVRecord::getPriority));
		List<PeerEndPoint> endPoints = new ArrayList<>(services.size());
		for (SRVRecord srv : services) {
			Record a = addresses.get(srv.getTarget());
			if (a == null || srv.getPort() == 0) {
				continue; // an SRV without an address of ours cannot be used; the rest can
			}
			InetAddress named = a instanceof ARecord ar ? ar.getAddress() : ((AAAARecord) a).getAddress();
			InetAddress ip;
			try {
				ip = InetAddress.getByAddress(named.getAddress()); // dnsjava names it after the record: drop that
			}
			catch (java.net.UnknownHostException e) {
				throw new IllegalStateException(e);
			}
			endPoints.add(PeerEndPoint.of(new InetSocketAddress(ip, srv.getPort())));
			ttl = Math.min(ttl, Math.min(srv.getTTL(), a.getTTL()));
		}
		return new Decoded(List.copyOf(endPoints), Duration.ofSeconds(ttl));
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
	 * @throws InvalidRequestException if the item must be rejected; the message says why
	 */
	public static Decoded verify(byte[] publicKey, MutableItem item, long highestAccepted, long nowMicros) {
		if (!java.util.Arrays.equals(publicKey, item.publicKey())) {
			throw new InvalidRequestException("The item is stored under another key");
		}
		if (item.value().length > MutableItem.MAX_VALUE_LENGTH) {
			throw new InvalidRequestException("The value is " + item.value().length + " bytes, over BEP 44's limit of "
					+ MutableItem.MAX_VALUE_LENGTH);
		}
		if (!item.verify()) {
			throw new InvalidRequestException("The signature does not verify with the key (seq " + item.seq() + ")");
		}
		if (item.seq() < highestAccepted) {
			throw new InvalidRequestException("The record is stale: seq " + item.seq()
					+ " is lower than the already accepted " + highestAccepted);
		}
		if (item.seq() < nowMicros - MAX_AGE_MICROS) {
			throw new InvalidRequestException("The record is older than 2 hours: seq " + item.seq()
					+ " µs, now " + nowMicros + " µs");
		}
		byte[] packet;
		try {
			packet = item.valueBytes();
		}
		catch (IllegalArgumentException e) {
			throw new InvalidRequestException("The value is undecodable: " + e.getMessage(), e);
		}
		return decode(publicKey, packet);
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
