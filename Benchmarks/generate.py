#!/usr/bin/env python3
"""Generates a format A (АСУ Кадры, windows-1251) or format C (SNAB-2, KOI8-R) export of about
the requested size, streaming to a file so the generator itself needs no memory.

usage: generate.py a|c SIZE OUTPUT [SEED]
SIZE is megabytes (100) or a number of records (100r); SEED (default 42) varies the records, so
documents made with different seeds hold different records.
"""
import random
import sys

RANKS = ["рядовой", "ефрейтор", "младший сержант", "сержант", "старший сержант", "прапорщик",
         "лейтенант", "старший лейтенант", "капитан", "майор", "подполковник", "полковник"]
STATUSES = ["действующий", "запас", "уволен"]
SURNAMES = ["Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов"]
NAMES = ["Пётр", "Иван", "Анна", "Олег", "Мария", "Сергей", "Елена", "Дмитрий"]
LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
ST = ["ЧЕР", "ПОД", "УТВ", "ОТП", "ДОС", "ОТМ"]


def person(i, rnd):
    status = rnd.choice(STATUSES)
    end = f"<ОкончаниеСлужбы>{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.2025</ОкончаниеСлужбы>" \
        if status == "уволен" else "<ОкончаниеСлужбы/>"
    pay = f"{rnd.randint(20, 199)} {rnd.randint(0, 999):03d},{rnd.randint(0, 99):02d}"
    return f"""    <Сотрудник ЛичныйНомер="{rnd.choice(LETTERS)}{rnd.choice(LETTERS)}-{i % 1000000:06d}">
      <Фамилия>{rnd.choice(SURNAMES)}</Фамилия>
      <Имя>{rnd.choice(NAMES)}</Имя>
      <Отчество>Сергеевич</Отчество>
      <ДатаРождения>{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.randint(1960, 2004)}</ДатаРождения>
      <СНИЛС>{rnd.randint(100, 999)}-{rnd.randint(100, 999)}-{rnd.randint(100, 999)} {rnd.randint(10, 99)}</СНИЛС>
      <Звание>{rnd.choice(RANKS)}</Звание>
      <ВоинскаяЧасть>в/ч {rnd.randint(10000, 99999)}</ВоинскаяЧасть>
      <Должность>командир отделения</Должность>
      <НачалоСлужбы>{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.2010</НачалоСлужбы>
      {end}
      <Статус>{status}</Статус>
      <Адрес Индекс="{rnd.randint(100000, 999999)}">
        <Регион>Санкт-Петербург</Регион>
        <Город>Санкт-Петербург</Город>
        <Улица>Невский пр., д. {rnd.randint(1, 200)}, кв. {rnd.randint(1, 300)}</Улица>
      </Адрес>
      <Награды>
        <Награда Код="М-{rnd.randint(1, 999)}" Дата="23.02.2021">медаль «За отличие в военной службе» II степени</Награда>
      </Награды>
      <ДенежноеДовольствие>{pay}</ДенежноеДовольствие>
    </Сотрудник>
"""


def requisition(i, rnd):
    items = "".join(
        f'    <ITEM NSN="{rnd.randint(1000, 9999)}-21-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}" '
        f'QTY="{rnd.randint(1, 500)},{rnd.randint(0, 9)}" UOM="шт">Рацион питания суточный</ITEM>\n'
        for _ in range(rnd.randint(1, 3)))
    return (f'  <REQ ID="З-2026-{i:07d}" UNIT="в/ч {rnd.randint(10000, 99999)}" PRIO="{rnd.randint(1, 5)}" '
            f'NEED="{rnd.randint(1, 28):02d}.11.2026 {rnd.randint(0, 23):02d}:00" TZ="+03:00" ST="{rnd.choice(ST)}">\n'
            f'    <LOC LAT="59,{rnd.randint(1000, 9999)}" LON="30,{rnd.randint(1000, 9999)}">Пулково, склад 3</LOC>\n'
            f'{items}  </REQ>\n')


def main():
    kind, size, output = sys.argv[1], sys.argv[2], sys.argv[3]
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 42)
    records = int(size[:-1]) if size.endswith("r") else None
    target = 0 if records is not None else int(float(size) * 1024 * 1024)
    if kind == "a":
        encoding, head, tail, make = "windows-1251", (
            '<?xml version="1.0" encoding="windows-1251"?>\n'
            '<Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="25.11.2026 14:03:11" ЧасовойПояс="+03:00">\n'
            '  <Сотрудники>\n'), "  </Сотрудники>\n</Выгрузка>\n", person
    else:
        encoding, head, tail, make = "koi8-r", (
            '<?xml version="1.0" encoding="KOI8-R"?>\n'
            '<REQLIST GEN="2026-11-25T10:00:00+03:00" SRC="SNAB-2">\n'), "</REQLIST>\n", requisition
    written = 0
    count = 0
    with open(output, "wb") as out:
        chunk = head.encode(encoding)
        out.write(chunk)
        written += len(chunk)
        batch = []
        while (count < records) if records is not None else (written < target):
            record = make(count, rnd).encode(encoding)
            batch.append(record)
            written += len(record)
            count += 1
            if len(batch) >= 1000:
                out.write(b"".join(batch))
                batch = []
        out.write(b"".join(batch))
        out.write(tail.encode(encoding))
    print(count)


if __name__ == "__main__":
    main()
