// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meeting Space's web server listens on 127.0.0.1 only and answers only requests meant for it: a foreign {@code Host}
 * (DNS rebinding) or a foreign {@code Origin} (another site's page, form or WebSocket) gets 403 before anything runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeetingWebTest {

	static InMemoryPeople people;
	static MeetingSpace space;
	static int port;

	@BeforeAll
	static void start() {
		people = new InMemoryPeople();
		space = people.space("alice");
		port = URI.create(space.url()).getPort();
	}

	@AfterAll
	static void stop() {
		people.close();
	}

	/** Sends a raw request (the JDK's client does not let a test set Host) and returns the status line. */
	static String status(String request) throws IOException {
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			out.write(request.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = s.getInputStream();
			StringBuilder line = new StringBuilder();
			for (int c; (c = in.read()) != -1 && c != '\r'; ) {
				line.append((char) c);
			}
			return line.toString();
		}
	}

	@Test
	void listensOnLoopbackOnly() {
		assertThat(space.url()).matches("http://127\\.0\\.0\\.1:\\d+/");
	}

	@Test
	void servesThePageToItsOwnHostAndOrigin() throws IOException {
		assertThat(status("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")).isEqualTo("HTTP/1.1 200 OK");
		assertThat(status("GET /meeting.js HTTP/1.1\r\nHost: localhost:" + port + "\r\nOrigin: http://127.0.0.1:"
				+ port + "\r\n\r\n")).isEqualTo("HTTP/1.1 200 OK");
	}

	@Test
	void refusesAForeignHost() throws IOException {
		assertThat(status("GET / HTTP/1.1\r\nHost: attacker.example:" + port + "\r\n\r\n"))
				.isEqualTo("HTTP/1.1 403 Forbidden");
		assertThat(status("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n")).isEqualTo("HTTP/1.1 403 Forbidden");
		assertThat(status("GET / HTTP/1.1\r\n\r\n")).isEqualTo("HTTP/1.1 403 Forbidden");
	}

	@Test
	void refusesAForeignOriginOnThePageTheWebSocketAndTheUpload() throws IOException {
		String host = "Host: 127.0.0.1:" + port + "\r\n";
		assertThat(status("GET / HTTP/1.1\r\n" + host + "Origin: http://attacker.example\r\n\r\n"))
				.isEqualTo("HTTP/1.1 403 Forbidden");
		assertThat(status("GET /ws HTTP/1.1\r\n" + host + "Origin: http://attacker.example\r\nUpgrade: websocket\r\n"
				+ "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
				+ "\r\n\r\n")).isEqualTo("HTTP/1.1 403 Forbidden");
		assertThat(status("POST /handouts?name=x&size=1 HTTP/1.1\r\n" + host + "Origin: null\r\n"
				+ "Content-Length: 1\r\n\r\nx")).isEqualTo("HTTP/1.1 403 Forbidden");
	}

	@Test
	void upgradesItsOwnPagesWebSocket() throws IOException {
		assertThat(status("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + port
				+ "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				+ "Sec-WebSocket-Version: 13\r\n\r\n")).isEqualTo("HTTP/1.1 101 Switching Protocols");
	}
}
