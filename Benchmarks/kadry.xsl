<?xml version="1.0" encoding="UTF-8"?>
<!-- The baseline for format A: maps the same fields as mappings/kadry-personnel.yaml to one
     JSON line per record, with date and decimal conversion and the code tables, but computes
     no ids and validates nothing. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template name="date">
    <xsl:param name="d"/>
    <xsl:if test="normalize-space($d)">"<xsl:value-of select="concat(substring($d,7,4),'-',substring($d,4,2),'-',substring($d,1,2))"/>"</xsl:if>
  </xsl:template>
  <xsl:template match="/">
    <xsl:for-each select="Выгрузка/Сотрудники/Сотрудник">
      <xsl:text>{"type":"personnel.record","source":"urn:ferry:system:kadry","subject":"</xsl:text>
      <xsl:value-of select="@ЛичныйНомер"/>
      <xsl:text>","data":{"service_number":"</xsl:text><xsl:value-of select="@ЛичныйНомер"/>
      <xsl:text>","snils":"</xsl:text><xsl:value-of select="normalize-space(СНИЛС)"/>
      <xsl:text>","last_name":"</xsl:text><xsl:value-of select="normalize-space(Фамилия)"/>
      <xsl:text>","first_name":"</xsl:text><xsl:value-of select="normalize-space(Имя)"/>
      <xsl:text>","patronymic":"</xsl:text><xsl:value-of select="normalize-space(Отчество)"/>
      <xsl:text>","birth_date":</xsl:text><xsl:call-template name="date"><xsl:with-param name="d" select="ДатаРождения"/></xsl:call-template>
      <xsl:text>,"rank":"</xsl:text>
      <xsl:variable name="r" select="normalize-space(Звание)"/>
      <xsl:choose>
        <xsl:when test="$r='рядовой'">private</xsl:when><xsl:when test="$r='ефрейтор'">corporal</xsl:when>
        <xsl:when test="$r='младший сержант'">junior_sergeant</xsl:when><xsl:when test="$r='сержант'">sergeant</xsl:when>
        <xsl:when test="$r='старший сержант'">senior_sergeant</xsl:when><xsl:when test="$r='прапорщик'">warrant_officer</xsl:when>
        <xsl:when test="$r='лейтенант'">lieutenant</xsl:when><xsl:when test="$r='старший лейтенант'">senior_lieutenant</xsl:when>
        <xsl:when test="$r='капитан'">captain</xsl:when><xsl:when test="$r='майор'">major</xsl:when>
        <xsl:when test="$r='подполковник'">lieutenant_colonel</xsl:when><xsl:otherwise>colonel</xsl:otherwise>
      </xsl:choose>
      <xsl:text>","unit":"</xsl:text><xsl:value-of select="normalize-space(ВоинскаяЧасть)"/>
      <xsl:text>","position":"</xsl:text><xsl:value-of select="normalize-space(Должность)"/>
      <xsl:text>","service_start":</xsl:text><xsl:call-template name="date"><xsl:with-param name="d" select="НачалоСлужбы"/></xsl:call-template>
      <xsl:if test="normalize-space(ОкончаниеСлужбы)">
        <xsl:text>,"service_end":</xsl:text><xsl:call-template name="date"><xsl:with-param name="d" select="ОкончаниеСлужбы"/></xsl:call-template>
      </xsl:if>
      <xsl:text>,"status":"</xsl:text>
      <xsl:variable name="s" select="normalize-space(Статус)"/>
      <xsl:choose><xsl:when test="$s='действующий'">active</xsl:when><xsl:when test="$s='запас'">reserve</xsl:when><xsl:otherwise>discharged</xsl:otherwise></xsl:choose>
      <xsl:text>","address":{"region":"</xsl:text><xsl:value-of select="normalize-space(Адрес/Регион)"/>
      <xsl:text>","city":"</xsl:text><xsl:value-of select="normalize-space(Адрес/Город)"/>
      <xsl:text>","street":"</xsl:text><xsl:value-of select="normalize-space(Адрес/Улица)"/>
      <xsl:text>","postal_code":"</xsl:text><xsl:value-of select="Адрес/@Индекс"/>
      <xsl:text>"},"awards":[</xsl:text>
      <xsl:for-each select="Награды/Награда">
        <xsl:if test="position() > 1">,</xsl:if>
        <xsl:text>{"code":"</xsl:text><xsl:value-of select="@Код"/><xsl:text>","name":"</xsl:text>
        <xsl:value-of select="normalize-space(.)"/><xsl:text>","awarded_on":</xsl:text>
        <xsl:call-template name="date"><xsl:with-param name="d" select="@Дата"/></xsl:call-template><xsl:text>}</xsl:text>
      </xsl:for-each>
      <xsl:text>],"monthly_pay":</xsl:text>
      <xsl:value-of select="translate(translate(normalize-space(ДенежноеДовольствие), ' &#160;', ''), ',', '.')"/>
      <xsl:text>}}&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
