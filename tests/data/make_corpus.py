"""Write tests/data/corpus/: real-looking exports, made with the real tools.

Run ``python3 tests/data/make_corpus.py`` to rebuild (pandas, scikit-learn,
openpyxl and odfpy must be installed; R is not, so its ``write.csv`` output is
written byte for byte as R 4 writes it).  tests/test_corpus.py checks that each
file reads back as the matrix it was written from.
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent / "corpus"
GRID = pd.DataFrame([[1.5, 2.0, 0.25], [3.0, 4.0, 5.0], [0.0, 7.5, 8.0]],
                    columns=["alpha", "beta", "gamma"], index=["r1", "r2", "r3"])


def main() -> None:
    from sklearn.datasets import load_iris

    HERE.mkdir(exist_ok=True)
    GRID.to_csv(HERE / "pandas_index.csv")  # ,alpha,beta,gamma / r1,1.5,...
    GRID.reset_index(drop=True).to_csv(HERE / "pandas_range_index.csv")  # ,alpha / 0,1.5
    GRID.to_csv(HERE / "pandas_no_index.csv", index=False)
    GRID.rename_axis("name").to_csv(HERE / "pandas_tab.tsv", sep="\t")
    # R 4: write.csv(data.frame(alpha=..., ...), "r_write_csv.csv")
    lines = ['"","alpha","beta","gamma"']
    lines += [f'"{i + 1}",' + ",".join(f"{v:g}" for v in row)
              for i, row in enumerate(GRID.to_numpy())]
    (HERE / "r_write_csv.csv").write_text("\n".join(lines) + "\n")
    # Excel (German locale) "CSV (Trennzeichen-getrennt)" with the sep= line: ; and 1,5.
    rows = ["sep=;", "name;alpha;beta;gamma"]
    rows += [f"{name};" + ";".join(f"{v:g}".replace(".", ",") for v in row)
             for name, row in zip(GRID.index, GRID.to_numpy(), strict=True)]
    (HERE / "excel_european.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8-sig"))
    # LibreOffice Calc's default CSV export: quoted text, comma, LF.
    rows = ['"name","alpha","beta","gamma"']
    rows += [f'"{name}",' + ",".join(f"{v:g}" for v in row)
             for name, row in zip(GRID.index, GRID.to_numpy(), strict=True)]
    (HERE / "libreoffice.csv").write_text("\n".join(rows) + "\n")
    iris = load_iris(as_frame=True).frame  # four features, then the numeric class label
    iris.to_csv(HERE / "iris_label_last.csv", index=False)
    iris[["target", *iris.columns[:4]]].to_csv(HERE / "iris_label_first.csv", index=False)
    names = load_iris().target_names
    named = iris.assign(target=names[iris["target"]])
    named.to_csv(HERE / "iris_text_label_last.csv", index=False)
    _xlsx(HERE / "grid.xlsx")
    _ods(HERE / "grid.ods")


def _xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "first"
    sheet.append(["name", *GRID.columns])
    for name, row in zip(GRID.index, GRID.to_numpy().tolist(), strict=True):
        sheet.append([name, *row])
    second = book.create_sheet("bad")
    second.append(["a", "b"])
    second.append([1, 2])
    second.append([3, "x"])  # cell B3
    book.save(path)


def _ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="first")
    rows = [["name", *GRID.columns]] + [[n, *r] for n, r in
                                         zip(GRID.index, GRID.to_numpy().tolist(), strict=True)]
    for values in rows:
        tr = TableRow()
        for value in values:
            if isinstance(value, str):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            else:
                cell = TableCell(valuetype="float", value=repr(value))
                cell.addElement(P(text=f"{value:g}"))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


if __name__ == "__main__":
    main()
