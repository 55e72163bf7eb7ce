<?xml version="1.0" encoding="UTF-8"?>
<!-- The baseline for format C: maps the same fields as mappings/snab2-requisition.yaml to one
     JSON line per record, but computes no ids and validates nothing. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="/">
    <xsl:for-each select="REQLIST/REQ">
      <xsl:text>{"type":"logistics.requisition","source":"urn:ferry:system:snab2","subject":"</xsl:text><xsl:value-of select="@ID"/>
      <xsl:text>","data":{"requisition_id":"</xsl:text><xsl:value-of select="@ID"/>
      <xsl:text>","requested_by":"</xsl:text><xsl:value-of select="normalize-space(@UNIT)"/>
      <xsl:text>","priority":</xsl:text><xsl:value-of select="normalize-space(@PRIO)"/>
      <xsl:text>,"needed_by":"</xsl:text>
      <xsl:value-of select="concat(substring(@NEED,7,4),'-',substring(@NEED,4,2),'-',substring(@NEED,1,2),'T',substring(@NEED,12,5),':00',@TZ)"/>
      <xsl:text>","status":"</xsl:text>
      <xsl:choose>
        <xsl:when test="@ST='ЧЕР'">draft</xsl:when><xsl:when test="@ST='ПОД'">submitted</xsl:when>
        <xsl:when test="@ST='УТВ'">approved</xsl:when><xsl:when test="@ST='ОТП'">dispatched</xsl:when>
        <xsl:when test="@ST='ДОС'">delivered</xsl:when><xsl:otherwise>cancelled</xsl:otherwise>
      </xsl:choose>
      <xsl:text>","location":{"lat":</xsl:text><xsl:value-of select="translate(LOC/@LAT, ',', '.')"/>
      <xsl:text>,"lon":</xsl:text><xsl:value-of select="translate(LOC/@LON, ',', '.')"/>
      <xsl:text>,"description":"</xsl:text><xsl:value-of select="normalize-space(LOC)"/>
      <xsl:text>"},"items":[</xsl:text>
      <xsl:for-each select="ITEM">
        <xsl:if test="position() > 1">,</xsl:if>
        <xsl:text>{"nsn":"</xsl:text><xsl:value-of select="@NSN"/>
        <xsl:text>","description":"</xsl:text><xsl:value-of select="normalize-space(.)"/>
        <xsl:text>","quantity":</xsl:text><xsl:value-of select="translate(@QTY, ',', '.')"/>
        <xsl:text>,"unit":"</xsl:text><xsl:value-of select="@UOM"/><xsl:text>"}</xsl:text>
      </xsl:for-each>
      <xsl:text>]}}&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
