// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.ContactStore;

/**
 * The child process of {@link ContactStoreDurabilityTest}: inserts contacts into {@code ContactStores.h2(args[0])} one
 * after the other, printing {@code ACK <name>} once each insert is acknowledged, until it is killed. It first prints
 * {@code CERT <base64 DER>}, the certificate every contact carries, so that the test can rebuild what was written.
 *
 * <p>Optional arguments {@code first} and {@code end} make it insert contacts {@code first} to {@code end - 1} only,
 * then print {@code DONE} and exit: a test that kills it several times resumes where the store stopped.
 */
public final class ContactWriterMain {

	/** The writer stops by itself after this long, should nobody kill it. */
	private static final Duration LIFETIME = Duration.ofSeconds(120);

	private ContactWriterMain() {
	}

	/**
	 * @param args the directory of the store; optionally the index of the first contact to insert and the index after
	 * the last
	 */
	public static void main(String[] args) throws CertificateEncodingException {
		PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
		X509Certificate certificate = PeerIdentity.generate("writer").certificate();
		out.println("CERT " + Base64.getEncoder().encodeToString(certificate.getEncoded()));
		out.flush();
		ContactStore store = ContactStores.h2(Path.of(args[0]));
		int first = args.length > 1 ? Integer.parseInt(args[1]) : 0;
		int end = args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE;
		long deadline = System.nanoTime() + LIFETIME.toNanos();
		// A broken pipe means the test is gone: stop rather than write for nobody.
		for (int i = first; i < end && System.nanoTime() < deadline && !out.checkError(); i++) {
			PeerContact contact = contact(i, certificate);
			store.insert(contact).block();
			out.println("ACK " + contact.name());
			out.flush();
		}
		store.close().block();
		out.println("DONE");
		out.flush();
	}

	/**
	 * @return the {@code i}th contact the writer inserts: every field set, and different from one contact to the next
	 */
	public static PeerContact contact(int i, X509Certificate certificate) {
		try {
			InetAddress ip = InetAddress.getByAddress(new byte[] { 10, (byte) (i >> 16), (byte) (i >> 8), (byte) i });
			List<PeerEndPoint> endPoints = List.of(
					new PeerEndPoint("eth|" + i, new InetSocketAddress(ip, 1 + i % 65_535)),
					new PeerEndPoint("name\n" + i, InetSocketAddress.createUnresolved("host" + i + ".example", 443)));
			return new PeerContact(PeerName.unsecured("c" + i), "nick" + i, "Contact " + i + " ✓",
					"c" + i + "@example.org", certificate, endPoints, i % 2 == 0,
					i % 3 == 0 ? SubscribeAllowed.BLOCKED : SubscribeAllowed.ALLOWED);
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	/** @return {@code i} for the name of the {@code i}th contact */
	public static int index(PeerName name) {
		return Integer.parseInt(name.classifier().substring(1));
	}
}
