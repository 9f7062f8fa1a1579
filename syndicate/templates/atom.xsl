<?xml version="1.0" encoding="UTF-8"?>
<!-- How a browser shows an Atom 1.0 feed of syndicate's (README "Feeds in a browser").
     Feed readers ignore it; syndicate serve applies it for requests that prefer HTML. -->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="feed" select="/atom:feed"/>

  <xsl:template match="/">
    <html lang="{$feed/@xml:lang}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$feed/atom:title"/> (Atom feed)</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; }
          main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
          .about { background: #fff6d6; border: 1px solid #e6cf7a; border-radius: 6px; padding: .75rem 1rem; }
          .about code { word-break: break-all; background: #fff; padding: 0 .25rem; }
          h1 { font-size: 1.6rem; margin: 1.25rem 0 .25rem; }
          ol { list-style: none; padding: 0; }
          li { border-top: 1px solid #ddd; padding: .75rem 0; }
          h2 { font-size: 1.15rem; margin: 0; }
          .meta { color: #555; font-size: .9rem; margin: .25rem 0; }
          a { color: #0b57d0; }
        </style>
      </head>
      <body>
        <main>
          <section class="about" aria-label="About this page">
            <p><strong>This is a web feed</strong> (Atom), meant for feed readers, not for reading here.
              To follow <xsl:value-of select="$feed/atom:title"/>, copy this address into your
              feed reader (NetNewsWire, Feedly, Inoreader, Miniflux, FreshRSS, …):</p>
            <p><code><xsl:value-of select="$feed/atom:link[@rel='self']/@href"/></code></p>
          </section>
          <header>
            <h1>
              <a href="{$feed/atom:link[@rel='alternate' or not(@rel)][1]/@href}">
                <xsl:value-of select="$feed/atom:title"/>
              </a>
            </h1>
            <p><xsl:value-of select="$feed/atom:subtitle"/></p>
          </header>
          <ol class="items">
            <xsl:for-each select="$feed/atom:entry">
              <li>
                <h2>
                  <a href="{atom:link[@rel='alternate' or not(@rel)][1]/@href}">
                    <xsl:value-of select="atom:title"/>
                  </a>
                </h2>
                <p class="meta">
                  <xsl:variable name="when" select="atom:published | atom:updated[not(../atom:published)]"/>
                  <time datetime="{$when}">
                    <xsl:value-of select="translate($when, 'TZ', '  ')"/>
                    <xsl:if test="substring($when, string-length($when)) = 'Z'">UTC</xsl:if>
                  </time>
                  <xsl:for-each select="atom:author/atom:name">
                    <xsl:choose>
                      <xsl:when test="position() = 1"> · </xsl:when>
                      <xsl:otherwise>, </xsl:otherwise>
                    </xsl:choose>
                    <xsl:value-of select="."/>
                  </xsl:for-each>
                </p>
                <p><xsl:value-of select="atom:summary"/></p>
              </li>
            </xsl:for-each>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
